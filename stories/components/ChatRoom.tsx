import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { isFaultError, request } from '../../src/index.js';
import { useSocket, useSocketMessage } from '../../src/react/index.js';
import { button, card } from './styles.js';

interface ChatLine {
  readonly room: string;
  readonly text: string;
  readonly from: string;
}

interface Joined {
  readonly room: string;
  readonly members: number;
  readonly closed: boolean;
}

function isChatLine(data: unknown): data is ChatLine {
  const d = data as Partial<ChatLine> | null;
  return typeof d?.room === 'string' && typeof d.text === 'string' && typeof d.from === 'string';
}

/** A failed request as a user should read it: the fault's safe text, its code, and any retry hint. */
function describeError(error: unknown): string {
  if (!isFaultError(error)) return error instanceof Error ? error.message : 'Something went wrong.';
  const { message, code, retryAfterMs } = error.fault;
  const hint =
    retryAfterMs === undefined ? '' : ` Try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
  return `${message} (${code})${hint}`;
}

const input = { font: 'inherit', padding: '3px 6px', flex: 1 } as const;
const row = { display: 'flex', gap: 6, alignItems: 'center' } as const;

/**
 * A chat room over the demo protocol: join a room by request/response (`join` → `joined`), send
 * with `request(socket, 'chat', …)`, receive every `chat` with `useSocketMessage` (no message is
 * lost to React's batching), and show a failed request (4000, 4001, 4002, 4005) inline, where it
 * happened.
 * The room is joined again after each reconnect: the server forgets members when a socket drops.
 */
export function ChatRoom({
  initialRoom = 'general',
}: {
  readonly initialRoom?: string;
}): ReactNode {
  const { socket, snapshot } = useSocket();
  const [roomInput, setRoomInput] = useState(initialRoom);
  const [joined, setJoined] = useState<Joined | null>(null);
  const [draft, setDraft] = useState('');
  const [lines, setLines] = useState<readonly ChatLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const room = useRef<string | null>(null);

  useSocketMessage('chat', ({ data }) => {
    if (isChatLine(data) && data.room === room.current) setLines((all) => [...all, data]);
  });

  const openedAt = snapshot.status === 'open' ? snapshot.openedAt : null;
  useEffect(() => {
    if (openedAt === null || room.current === null) return;
    request(socket, 'join', { room: room.current }, { retryOnReconnect: true }).catch(() => {});
  }, [openedAt, socket]);

  const join = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const reply = await request<object, 'join', Joined>(
        socket,
        'join',
        { room: roomInput.trim() },
        { retryOnReconnect: true },
      );
      room.current = reply.data.room;
      setJoined(reply.data);
      setLines([]);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (room.current === null) return;
    setError(null);
    try {
      await request(socket, 'chat', { room: room.current, text: draft });
      setDraft('');
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <section aria-label="Chat" style={{ ...card, display: 'grid', gap: 8, minWidth: 320 }}>
      <form aria-label="Join a room" onSubmit={join} style={row}>
        <label style={row}>
          Room
          <input value={roomInput} onChange={(e) => setRoomInput(e.target.value)} style={input} />
        </label>
        <button type="submit" style={button}>
          Join
        </button>
      </form>
      <p style={{ margin: 0, color: '#5b6672' }}>
        {joined === null
          ? 'Not in a room yet.'
          : `Joined #${joined.room} (${joined.members} online${joined.closed ? ', read-only' : ''})`}
      </p>
      <ul aria-label="Messages" style={{ margin: 0, paddingLeft: 18, minHeight: 40 }}>
        {lines.map((line, i) => (
          // Lines are append-only, so the index is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
          <li key={i}>
            <strong>{line.from}</strong>: {line.text}
          </li>
        ))}
      </ul>
      <form aria-label="Send a message" onSubmit={send} style={row}>
        <label style={{ ...row, flex: 1 }}>
          Message
          <input value={draft} onChange={(e) => setDraft(e.target.value)} style={input} />
        </label>
        <button type="submit" style={button} disabled={joined === null || draft === ''}>
          Send
        </button>
      </form>
      {error !== null && (
        <p role="alert" style={{ margin: 0, color: '#9c1c1c' }}>
          {error}
        </p>
      )}
    </section>
  );
}
