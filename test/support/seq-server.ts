/**
 * Test-only: a delivery server played over fake WebSockets, for tests of delivery across tabs and
 * workers: it answers each hello (a known session is resumed with what it processed as `acked`;
 * none, a new session), processes each app frame once per session and seq, in seq order (a repeat
 * is dropped; a gap is recorded, never processed), and acknowledges when told.
 */
import type { FakeWebSocket } from './fake-websocket.js';
import { flush } from './worker-kit.js';

type Frame = ReturnType<FakeWebSocket['frames']>[number];
/** What each test send carries: its tab and its number in that tab. */
export interface Mark {
  readonly tab: number;
  readonly n: number;
}

/**
 * The delivery server, over any number of fake WebSockets: answers each hello (a known session is
 * resumed with what it processed as `acked`; none, a new session), processes each app frame once
 * per session and seq, in seq order (a repeat is dropped; a gap is recorded, never processed),
 * and acknowledges when told.
 */
export function seqServer() {
  /** Every frame processed, in order, with its session. */
  const processed: Array<{ readonly session: string; readonly mark: Mark }> = [];
  const highest = new Map<string, number>();
  const gaps: string[] = [];
  const read = new WeakMap<FakeWebSocket, { at: number; session: string | null }>();
  let sessions = 0;
  return {
    processed,
    gaps,
    /** Marks processed, in order (across sessions). */
    marks: () => processed.map((p) => p.mark),
    /** Opens `ws` (the worker's socket connects) and answers its hello. */
    async opened(ws: FakeWebSocket) {
      ws.open();
      await flush();
      this.serve(ws);
    },
    /** Reads what the client wrote on `ws` since the last call and answers it. */
    serve(ws: FakeWebSocket) {
      const state = read.get(ws) ?? { at: 0, session: null };
      read.set(ws, state);
      for (let frames = ws.frames(); state.at < frames.length; frames = ws.frames()) {
        const f = frames[state.at++] as Frame;
        if (f.type === 'sockguard.hello') {
          const asked = (f.data as { session: string | null }).session;
          const known = asked !== null && highest.has(asked);
          const session = known ? asked : `s${++sessions}`;
          if (!known) highest.set(session, 0);
          state.session = session;
          ws.receive({
            type: 'sockguard.welcome',
            data: {
              v: 1,
              session,
              resumed: known,
              seq: 0,
              acked: highest.get(session),
              secret: `k-${session}`,
            },
            meta: { request_id: f.meta?.request_id },
          });
          continue;
        }
        const seq = f.meta?.seq;
        if (f.type.startsWith('sockguard.') || typeof seq !== 'number' || !state.session) continue;
        const top = highest.get(state.session) ?? 0;
        if (seq <= top) continue;
        if (seq > top + 1) {
          gaps.push(`${state.session}:${seq} after ${top}`);
          continue;
        }
        highest.set(state.session, seq);
        processed.push({ session: state.session, mark: f.data as Mark });
      }
    },
    /** Acknowledges on `ws` everything its session processed (or up to `upTo`). */
    ack(ws: FakeWebSocket, upTo?: number) {
      const session = read.get(ws)?.session;
      if (!session) return;
      ws.receive({ type: 'sockguard.ack', data: { seq: upTo ?? highest.get(session) } });
    },
  };
}
