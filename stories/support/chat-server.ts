/**
 * The demo server's chat (docs/demo.md) scripted on an msw scenario: `join` answers `joined` or
 * 4001, `chat` answers with the chat line or 4000/4001/4002, and a fourth message within ten
 * seconds is rate-limited (4005 with `retry_after_ms`).
 */
import { errorReply, type Scenario } from '../../src/testing/index.js';

const ROOMS = new Map([
  ['general', false],
  ['random', false],
  ['archive', true],
]);

/** Messages allowed per window before a 4005. */
export const CHAT_LIMIT = 3;
const WINDOW_MS = 10_000;

function field(data: unknown, name: string): unknown {
  return typeof data === 'object' && data !== null ? Reflect.get(data, name) : undefined;
}

/** Answers `join` and `chat` requests the way the demo server does. Returns an undo. */
export function serveChat(scenario: Scenario, user = 'me'): () => void {
  let windowStart = 0;
  let count = 0;
  const undoJoin = scenario.reply(
    'join',
    ({ data }) => {
      const room = field(data, 'room');
      if (typeof room !== 'string') return errorReply(4000, 'Bad request: "room" is required');
      const closed = ROOMS.get(room);
      if (closed === undefined) return errorReply(4001, `Room "${room}" not found`);
      return { room, members: 2, closed };
    },
    { replyType: 'joined' },
  );
  const undoChat = scenario.reply('chat', ({ data }) => {
    const room = field(data, 'room');
    const text = field(data, 'text');
    if (typeof room !== 'string' || typeof text !== 'string' || text === '') {
      return errorReply(4000, 'Bad request: "room" and "text" are required');
    }
    const closed = ROOMS.get(room);
    if (closed === undefined) return errorReply(4001, `Room "${room}" not found`);
    if (closed) return errorReply(4002, `Room "${room}" is closed`);
    const now = Date.now();
    if (now - windowStart > WINDOW_MS) {
      windowStart = now;
      count = 0;
    }
    count += 1;
    if (count > CHAT_LIMIT) return errorReply(4005, 'Too many messages', { retryAfterMs: 2000 });
    return { room, text, from: user };
  });
  return () => {
    undoJoin();
    undoChat();
  };
}
