/**
 * The backoff answered late (an asynchronous policy, issue 21), under random event sequences
 * (fast-check): answers are held and delivered any number of events later, in any order, some
 * for waits the socket has left. Only the answer for the wait the machine is in counts; any other
 * changes nothing at all. Pure: no timers, no sockets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Config, type Event, INITIAL_STATE, type State, step } from './machine.js';

const CONFIG: Config = {
  connectTimeoutMs: 1000,
  minUptimeMs: 1000,
  lostAfterMs: 1000,
  suspendAfterMs: 5000,
  errorCloseWindowMs: 500,
  refreshAuthTimeoutMs: 1000,
  maxHandshakeFailures: 100,
  canRefresh: false,
  capMs: 0,
  throttleFloorMs: 0,
  holdMs: 1000,
  gated: false,
  prefix: 'p',
};

/** What the test does next: an event of the socket's life, or the answer to the i-th question. */
type Move =
  | { readonly kind: 'event'; readonly event: Event }
  | { readonly kind: 'answer'; readonly pick: number; readonly ms: number | null };

const life = fc.constantFrom<Event>(
  { type: 'connect' },
  { type: 'reconnect' },
  { type: 'close' },
  { type: 'retry' },
  { type: 'frozen' },
  { type: 'restored' },
  // Attempt 0 is aimed at the current attempt below.
  { type: 'opening', attempt: 0, asked: [], url: 'wss://h' },
  { type: 'opened', attempt: 0 },
  { type: 'closed', attempt: 0, code: 1006, reason: '', wasClean: false },
  { type: 'connect-timeout' },
);
const move: fc.Arbitrary<Move> = fc.oneof(
  { weight: 3, arbitrary: life.map((event): Move => ({ kind: 'event', event })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        pick: fc.nat(),
        ms: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null, freq: 8 }),
      })
      .map(({ pick, ms }): Move => ({ kind: 'answer', pick, ms })),
  },
);

const aim = (e: Event, s: State): Event =>
  'attempt' in e && e.attempt === 0 ? ({ ...e, attempt: s.attempt } as Event) : e;

describe('late backoff answers', () => {
  it('only the answer for the wait the machine is in counts; any other changes nothing', () => {
    fc.assert(
      fc.property(fc.array(move, { minLength: 10, maxLength: 120 }), (moves) => {
        let state = INITIAL_STATE;
        let mono = 0;
        /** The attempt each question was asked for (the runner's tag), oldest first. */
        const asked: number[] = [];
        for (const m of moves) {
          mono += 50;
          const now = { mono, wall: mono, online: true, hidden: false };
          const event: Event =
            m.kind === 'event'
              ? aim(m.event, state)
              : {
                  type: 'delay',
                  attempt: asked[m.pick % Math.max(1, asked.length)] ?? -1,
                  ms: m.ms,
                };
          const result = step(state, event, now, CONFIG);
          if (event.type === 'delay') {
            const p = state.phase;
            const current =
              p.name === 'waiting' && p.due === null && event.attempt === state.attempt;
            if (current) {
              expect(['waiting', 'failed']).toContain(result.state.phase.name);
              if (result.state.phase.name === 'waiting')
                expect(result.state.phase.due).not.toBeNull();
            } else {
              expect(result.state).toBe(state);
              expect(result.effects).toEqual([]);
            }
          }
          for (const x of result.effects)
            if (x.type === 'backoff') asked.push(result.state.attempt);
          state = result.state;
        }
      }),
      { numRuns: 300 },
    );
  });
});
