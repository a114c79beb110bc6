/**
 * Random lives of tabs on one hub: joins, goodbyes, crashes, sends, requests, server replies,
 * drops and time. Whatever the sequence: every send and request settles exactly once, in the tab
 * that made it; no send is written twice; a reply or a request's fault never lands in another
 * tab; and nothing reaches a tab after it left.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, type TestTab, world } from '../../test/support/worker-kit.js';
import type { Envelope } from '../protocol/envelope.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const SLOTS = 3;
const op = fc.oneof(
  fc.record({ k: fc.constant('join' as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({ k: fc.constant('close' as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({ k: fc.constant('crash' as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({ k: fc.constant('send' as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({
    k: fc.constant('request' as const),
    slot: fc.nat(SLOTS - 1),
    timeoutMs: fc.constantFrom(300, 5000),
  }),
  fc.record({ k: fc.constant('open' as const) }),
  fc.record({ k: fc.constant('drop' as const) }),
  fc.record({ k: fc.constant('reply' as const), pick: fc.nat(20), error: fc.boolean() }),
  fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(1, 200, 1000, 6000) }),
);

interface Life {
  readonly name: string;
  readonly tab: TestTab;
  /** Work told settled by the tab, by its number. */
  readonly settled: Map<number, number>;
  /** Sends and requests the tab took (queued / a promise). */
  readonly took: Set<number>;
  readonly requests: Map<number, { outcome: 'pending' | Envelope | 'failed' }>;
  /** What it had seen when it left (undefined while joined). */
  left?: { readonly messages: number; readonly faults: number; readonly how: 'close' | 'crash' };
}

describe('random tab lives on one hub', () => {
  it('every send and request settles exactly once, in its own tab; nothing reaches a tab that left', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const w = world({ closeGraceMs: 500 });
        const slots: Array<Life | undefined> = [];
        const lives: Life[] = [];
        let next = 0;
        let made = 0;
        const live = (slot: number) => {
          const life = slots[slot];
          return life && life.left === undefined ? life : undefined;
        };
        for (const o of ops) {
          switch (o.k) {
            case 'join': {
              if (live(o.slot)) break;
              const settled = new Map<number, number>();
              const name = `t${++made}`;
              const tab = w.tab(
                {},
                {
                  settled: (work) => {
                    const n = (work.data as { n: number }).n;
                    settled.set(n, (settled.get(n) ?? 0) + 1);
                  },
                },
              );
              const life: Life = { name, tab, settled, took: new Set(), requests: new Map() };
              slots[o.slot] = life;
              lives.push(life);
              break;
            }
            case 'close':
            case 'crash': {
              const life = live(o.slot);
              if (!life) break;
              if (o.k === 'close') life.tab.socket.close();
              else life.tab.port.sever();
              life.left = {
                messages: life.tab.messages.length,
                faults: life.tab.faults().length,
                how: o.k,
              };
              break;
            }
            case 'send': {
              const life = live(o.slot);
              if (!life) break;
              const n = ++next;
              const result = life.tab.socket.send('chat', { n, tab: life.name });
              if (result.status === 'queued') life.took.add(n);
              break;
            }
            case 'request': {
              const life = live(o.slot);
              if (!life) break;
              const n = ++next;
              const entry: { outcome: 'pending' | Envelope | 'failed' } = { outcome: 'pending' };
              life.requests.set(n, entry);
              life.took.add(n);
              request(
                life.tab.socket,
                'get',
                { n, tab: life.name },
                { timeoutMs: o.timeoutMs },
              ).then(
                (envelope) => {
                  if (entry.outcome !== 'pending') throw new Error('settled twice');
                  entry.outcome = envelope;
                },
                () => {
                  if (entry.outcome !== 'pending') throw new Error('settled twice');
                  entry.outcome = 'failed';
                },
              );
              break;
            }
            case 'open': {
              const ws = w.WebSocket.instances.at(-1);
              if (ws && ws.readyState === 0) ws.open();
              break;
            }
            case 'drop': {
              const ws = w.WebSocket.instances.at(-1);
              if (ws && ws.readyState === 1) ws.drop(1006);
              break;
            }
            case 'reply': {
              const ws = w.WebSocket.instances.at(-1);
              if (ws?.readyState !== 1) break;
              const asked = ws.frames().filter((f) => f.type === 'get');
              const frame = asked[o.pick % Math.max(1, asked.length)];
              if (!frame) break;
              ws.receive(
                o.error
                  ? { type: 'error', data: { code: 4001, message: 'no' }, meta: frame.meta }
                  : { type: 'got', data: frame.data, meta: frame.meta },
              );
              break;
            }
            case 'wait':
              await advance(o.ms);
              break;
          }
          await flush();
        }
        // Long enough for every timeout, drop and watchdog to have run, and for a socket that
        // never opens to be suspended (120 s: its queued sends fail then).
        for (let i = 0; i < 7; i++) await advance(20_000);

        const frames = w.WebSocket.instances.flatMap((ws) => ws.frames());
        const written = new Map<number, number>();
        for (const f of frames) {
          const n = (f.data as { n?: number } | undefined)?.n;
          if (f.type === 'chat' && n !== undefined) written.set(n, (written.get(n) ?? 0) + 1);
        }
        const requestIds = new Map(
          frames.filter((f) => f.type === 'get').map((f) => [f.meta?.request_id, f.data]),
        );
        for (const life of lives) {
          // Exactly once, in this tab (the hook of no other tab heard of it).
          for (const n of life.took) expect(life.settled.get(n), `${life.name} work ${n}`).toBe(1);
          for (const n of life.settled.keys()) expect(life.took.has(n)).toBe(true);
          for (const [n, { outcome }] of life.requests) {
            expect(outcome, `${life.name} request ${n}`).not.toBe('pending');
            // A reply is the answer to this request, not another's.
            if (typeof outcome === 'object') expect(outcome.data).toEqual({ n, tab: life.name });
          }
          // A fault about a request never names one another tab made (one never written is
          // known to no one but the worker).
          for (const f of life.tab.socket.errors.getState().history) {
            const asked = f.requestId === undefined ? undefined : requestIds.get(f.requestId);
            if (asked !== undefined) expect(asked).toMatchObject({ tab: life.name });
          }
          // Nothing reached it after it left (a crashed page's own watchdog may still report).
          if (life.left) {
            expect(life.tab.messages).toHaveLength(life.left.messages);
            if (life.left.how === 'close') expect(life.tab.faults()).toHaveLength(life.left.faults);
          }
        }
        // No send went out twice.
        for (const [n, count] of written) expect(count, `send ${n}`).toBe(1);
        w.hub.stop();
        vi.clearAllTimers();
      }),
      { numRuns: 400 },
    );
  }, 60_000);
});
