/**
 * The client's delivery against a hostile server (issue 19): random acks (early, too high,
 * malformed), welcomes (any session, resumed or not, any seq and acked, any reason, another
 * version, no secret, another request id), numbered messages (in order, repeated, reordered,
 * skipped, malformed), replies, error replies to the hello and closes, mixed with the app's sends,
 * requests, reconnects and endSession(), under fake timers. Whatever the server does:
 * - no receipt resolves `acknowledged` for a frame never written with its number, and none
 *   resolves `unconfirmed` for a frame never written;
 * - no handler sees a numbered message twice, or after a gap the app was not told of (a `resync`
 *   or `session_changed` fault, or a new session);
 * - after `close()`, every send and request has a fate.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeWebSocket } from '../../test/support/fake-websocket.js';
import { setup } from '../../test/support/socket-setup.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const BAD_SEQS = [0, -1, 1.5, 2 ** 53, '3', null] as const;

const step = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'send' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'request' as const }) },
  { weight: 3, arbitrary: fc.constant({ op: 'open' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 100, 700, 1300, 3000, 6000, 12_000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('welcome' as const),
      // asked: the session the hello named (a resume the server may lie about).
      session: fc.constantFrom('asked', 'asked', 's1', 's2', 's3'),
      resumed: fc.boolean(),
      seq: fc.nat(12),
      acked: fc.oneof(fc.constant(0), fc.nat(14)),
      reason: fc.option(
        fc.constantFrom('unknown_session', 'history_gone', 'unavailable', 'other_principal'),
        { nil: undefined, freq: 2 },
      ),
      v: fc.constantFrom(1, 1, 1, 1, 1, 1, 1, 2),
      secret: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined, freq: 10 }),
      ours: fc.constantFrom(true, true, true, true, false),
      // Honest: what a server that follows the protocol could say (the rest is left random).
      honest: fc.constantFrom(true, true, true, false),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('ack' as const),
      seq: fc.oneof(fc.nat(14), fc.constantFrom(...BAD_SEQS)),
      honest: fc.constantFrom(true, true, true, false),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('push' as const),
      // next: the server's next number; again: one it sent; skip: a gap; any: anything.
      kind: fc.constantFrom('next', 'next', 'next', 'next', 'again', 'skip', 'any'),
      any: fc.oneof(fc.nat(14), fc.constantFrom(...BAD_SEQS)),
      // Honest: only on a connection the server welcomed.
      honest: fc.constantFrom(true, true, true, false),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('reply' as const),
      seq: fc.nat(14),
      honest: fc.constantFrom(true, true, true, false),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'error-reply' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('drop' as const),
      code: fc.constantFrom(1006, 1000, 1012, 1013),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'reconnect' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'end-session' as const }) },
);

type Frame = ReturnType<FakeWebSocket['frames']>[number];

describe('delivery against a hostile server', () => {
  it('never acknowledges what was not written, never shows a message twice or across a silent gap, and leaves no send without a fate', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 10, maxLength: 80, size: 'max' }),
        async (steps) => {
          vi.clearAllTimers();
          /** Gaps and session changes the app was told of, and endSession() calls: epochs. */
          let epoch = 0;
          const s = setup({
            heartbeat: false,
            delivery: delivery({ helloTimeoutMs: 3000, ackTimeoutMs: 5000, maxResends: 3 }),
            errors: {
              onFault: (fault) => {
                if (fault.code === 'resync' || fault.code === 'session_changed') epoch += 1;
              },
            },
          });
          const { socket } = s;
          const all = () => s.WebSocket.instances.flatMap((ws) => ws.frames());
          const writtenWith = (data: number, numbered: boolean) =>
            all().some((f) => f.data === data && (!numbered || typeof f.meta?.seq === 'number'));

          const problems: string[] = [];
          const fates = new Map<number, string>();
          let count = 0;
          const track = (data: number, fate: Promise<unknown>) => {
            fates.set(data, 'pending');
            fate.then(
              (value) => {
                fates.set(data, typeof value === 'string' ? value : 'replied');
                if (value === 'acknowledged' && !writtenWith(data, true))
                  problems.push(`send ${data} acknowledged, never written with its number`);
                if (value === 'unconfirmed' && !writtenWith(data, false))
                  problems.push(`send ${data} unconfirmed, never written`);
              },
              () => fates.set(data, 'rejected'),
            );
          };

          let last: { seq: number; session: string | null; epoch: number } | null = null;
          // Every numbered message the handlers see: pushes and replies alike.
          socket.on('*', (envelope) => {
            const seq = envelope.meta?.seq;
            const { mode, session } = deliveryOf(socket).getSnapshot();
            if (mode === 'plain' || typeof seq !== 'number') return;
            if (last !== null && last.session === session && last.epoch === epoch) {
              if (seq <= last.seq) problems.push(`message ${seq} seen again after ${last.seq}`);
              else if (seq !== last.seq + 1) problems.push(`silent gap: ${seq} after ${last.seq}`);
            }
            last = { seq, session, epoch };
          });

          let served = 0;
          const live = () => {
            const ws = s.WebSocket.instances.at(-1);
            return ws?.readyState === 1 ? ws : undefined;
          };
          const hello = (ws: FakeWebSocket): Frame | undefined =>
            ws.frames().findLast((f) => f.type === 'sockguard.hello');
          /** The highest client seq written on `ws` (what an honest server may acknowledge). */
          const highest = (ws: FakeWebSocket) =>
            Math.max(
              0,
              ...ws.frames().map((f) => (typeof f.meta?.seq === 'number' ? f.meta.seq : 0)),
            );
          /** Sessions an honest server started, and the highest client seq each got. */
          const processed = new Map<string, number>();
          const welcomed = new Set<FakeWebSocket>();

          for (const x of steps) {
            const ws = live();
            switch (x.op) {
              case 'send': {
                count += 1;
                const result = socket.send('chat', count);
                if (result.status !== 'rejected' && result.delivered)
                  track(count, result.delivered);
                else if (result.status !== 'rejected') problems.push(`send ${count}: no receipt`);
                break;
              }
              case 'request':
                count += 1;
                track(count, request(socket, 'ask', count, { timeoutMs: 20_000 }));
                break;
              case 'open': {
                const next = s.WebSocket.instances.at(-1);
                if (next?.readyState === 0) next.open();
                break;
              }
              case 'advance':
                await vi.advanceTimersByTimeAsync(x.ms);
                break;
              case 'welcome': {
                const said = ws && hello(ws);
                if (!ws || !said) break;
                const { op: _op, ours, secret, reason, honest, ...random } = x;
                const asked = (said.data as { session: string | null }).session;
                const known = asked !== null && processed.has(asked) && reason === undefined;
                const fields = honest
                  ? {
                      v: 1,
                      session: known ? asked : `s${processed.size + 1}`,
                      resumed: known && x.resumed,
                      seq: known ? served : 0,
                      acked: known ? Math.min(x.acked, processed.get(asked) ?? 0) : 0,
                    }
                  : {
                      ...random,
                      session: random.session === 'asked' ? (asked ?? 's1') : random.session,
                    };
                if (honest && !known) {
                  processed.set(fields.session, 0);
                  served = 0;
                }
                welcomed.add(ws);
                ws.receive({
                  type: 'sockguard.welcome',
                  data: {
                    ...fields,
                    ...(secret === undefined ? {} : { secret }),
                    ...(reason === undefined ? {} : { reason }),
                  },
                  meta: { request_id: ours ? said.meta?.request_id : 'not-yours' },
                });
                break;
              }
              case 'ack': {
                if (!ws || (x.honest && !welcomed.has(ws))) break;
                const top = highest(ws);
                const seq = x.honest
                  ? Math.min(top, typeof x.seq === 'number' ? x.seq : top)
                  : x.seq;
                for (const [session, acked] of processed)
                  if (
                    session === deliveryOf(socket).getSnapshot().session &&
                    typeof seq === 'number'
                  )
                    processed.set(session, Math.max(acked, seq));
                ws.receive({ type: 'sockguard.ack', data: { seq } });
                break;
              }
              case 'push': {
                if (!ws || (x.honest && !welcomed.has(ws))) break;
                // skip: the server's numbering jumps one (a message the client never gets).
                if (x.kind === 'skip') served += 1;
                const seq =
                  x.kind === 'next' || x.kind === 'skip'
                    ? ++served
                    : x.kind === 'again'
                      ? Math.max(1, served)
                      : x.any;
                ws.receive({ type: 'news', data: seq, meta: { seq } });
                break;
              }
              case 'reply': {
                const ask = ws && all().findLast((f) => f.type === 'ask');
                if (!ws || !ask || (x.honest && !welcomed.has(ws))) break;
                const meta = { request_id: ask.meta?.request_id, seq: x.honest ? ++served : x.seq };
                ws.receive({ type: 'answer', data: null, meta });
                break;
              }
              case 'error-reply': {
                const said = ws && hello(ws);
                if (!ws || !said) break;
                ws.receive({
                  type: 'error',
                  data: { code: 4000, message: 'unknown type' },
                  meta: { request_id: said.meta?.request_id },
                });
                break;
              }
              case 'drop':
                ws?.drop(x.code);
                break;
              case 'reconnect':
                socket.reconnect();
                break;
              case 'end-session':
                epoch += 1;
                deliveryOf(socket).endSession();
                break;
            }
            await vi.advanceTimersByTimeAsync(0);
          }
          socket.close();
          await vi.advanceTimersByTimeAsync(0);
          const unsettled = [...fates].filter(([, fate]) => fate === 'pending').map(([d]) => d);
          if (unsettled.length > 0) problems.push(`no fate after close(): ${unsettled.join(', ')}`);
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.SOCKGUARD_PROPERTY_RUNS ?? 300) },
    );
  });
});
