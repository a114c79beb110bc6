/**
 * The connection machine under random event sequences (fast-check): whatever happens, in whatever
 * order, the state stays consistent. The backoff is answered as the runner answers it, at once.
 * Pure: no timers, no sockets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from '../protocol/classify.js';
import { MAX_DELAY_MS } from './clock.js';
import {
  type Config,
  type Effect,
  type Event,
  INITIAL_STATE,
  type PhaseName,
  type State,
  step,
  type TimerName,
} from './machine.js';
import type { SocketStatus } from './types.js';

const ACK_TIMEOUT = classify({ source: 'transport', code: 'ack_timeout' }, { id: 'a', now: 0 });

const TIMERS: TimerName[] = [
  'connect-timeout',
  'stable',
  'auth-wait',
  'lost',
  'suspend',
  'refresh-timeout',
  'retry',
];
/** 0 is the current attempt (or run); -1 the one before it: most events hit, some are stale. */
const offset = fc.constantFrom(0, 0, 0, -1);
const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<Event>(
      { type: 'connect' },
      { type: 'reconnect' },
      { type: 'close' },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Event>(
      { type: 'online' },
      { type: 'offline' },
      { type: 'hidden' },
      { type: 'visible' },
      { type: 'frozen' },
      { type: 'restored' },
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom(...TIMERS).map((type): Event => ({ type })) },
  {
    weight: 3,
    arbitrary: offset.map(
      (attempt): Event => ({ type: 'opening', attempt, asked: [], url: 'wss://h' }),
    ),
  },
  { weight: 3, arbitrary: offset.map((attempt): Event => ({ type: 'opened', attempt })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ attempt: offset, code: fc.constantFrom(1000, 1006, 1008, 1013, 4003, 4005, 5000) })
      .map(
        ({ attempt, code }): Event => ({
          type: 'closed',
          attempt,
          code,
          reason: '',
          wasClean: true,
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(4000, 4003, 4005, 5000).map(
      (code): Event => ({
        type: 'error',
        envelope: { type: 'error', data: { code, message: 'm' } },
      }),
    ),
  },
  { weight: 1, arbitrary: offset.map((run): Event => ({ type: 'refreshed', run })) },
  { weight: 1, arbitrary: offset.map((attempt): Event => ({ type: 'dead', attempt, ms: 1 })) },
  { weight: 1, arbitrary: offset.map((attempt): Event => ({ type: 'ready', attempt })) },
  {
    weight: 1,
    arbitrary: offset.map(
      (attempt): Event => ({
        type: 'drop',
        attempt,
        fault: ACK_TIMEOUT,
        dead: true,
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: offset.map(
      (attempt): Event => ({
        type: 'setup-failed',
        attempt,
        input: { source: 'client', code: 'url_failed' },
      }),
    ),
  },
);

/** Points an event's attempt (or run) at the current one, or the one before it. */
function aim(e: Event, s: State): Event {
  if ('attempt' in e) return { ...e, attempt: s.attempt + e.attempt } as Event;
  if (e.type === 'refreshed') return { ...e, run: s.run + e.run };
  return e;
}

const inputs = fc.record({
  online: fc.boolean(),
  hidden: fc.boolean(),
  delay: fc.option(fc.integer({ min: 0, max: 3e9 }), { nil: null, freq: 10 }),
  canRefresh: fc.boolean(),
  gated: fc.boolean(),
});

const STATUS: Record<PhaseName, SocketStatus> = {
  idle: 'idle',
  pending: 'connecting',
  opening: 'connecting',
  open: 'open',
  waiting: 'reconnecting',
  refreshing: 'reconnecting',
  failed: 'failed',
  closed: 'closed',
};

describe('machine invariants under random event sequences', () => {
  it('keep one consistent state: the snapshot says the phase, nothing runs once stopped, attempts only go up', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(event, inputs), { minLength: 10, maxLength: 80 }), (steps) => {
        let state = INITIAL_STATE;
        let mono = 0;
        for (const [e, i] of steps) {
          mono += 100;
          const now = { mono, wall: mono, online: i.online, hidden: i.hidden };
          const config: Config = {
            connectTimeoutMs: 1000,
            minUptimeMs: 1000,
            lostAfterMs: 1000,
            suspendAfterMs: 5000,
            errorCloseWindowMs: 500,
            refreshAuthTimeoutMs: 1000,
            maxHandshakeFailures: 3,
            canRefresh: i.canRefresh,
            capMs: 30_000,
            throttleFloorMs: 1000,
            holdMs: 500,
            gated: i.gated,
            prefix: 'p',
          };
          const before = state;
          let { state: next, effects } = step(state, aim(e, state), now, config);
          // The runner answers a backoff question at once, with the policy's delay.
          if (effects.some((x) => x.type === 'backoff')) {
            const answered = step(
              next,
              { type: 'delay', attempt: next.attempt, ms: i.delay },
              now,
              config,
            );
            next = answered.state;
            effects = [...effects, ...answered.effects];
          }
          state = next;
          const { status } = state.snapshot;
          expect(status).toBe(STATUS[state.phase.name]);
          expect(state.attempt).toBeGreaterThanOrEqual(before.attempt);
          expect(state.run).toBeGreaterThanOrEqual(before.run);
          expect(state.ids).toBeGreaterThanOrEqual(before.ids);
          // Nobody is left waiting for the backoff's answer.
          if (state.phase.name === 'waiting') expect(state.phase.due).not.toBeNull();
          if (status === 'closed' || status === 'failed') {
            // A stop clears every timer, and nothing is armed or started after that.
            const cleared = effects.findIndex((x) => x.type === 'halt');
            if (status !== before.snapshot.status) expect(cleared).toBeGreaterThanOrEqual(0);
            const later: readonly Effect[] = effects.slice(cleared + 1);
            expect(later.some((x) => x.type === 'arm' || x.type === 'connect')).toBe(false);
          }
          if (status === 'reconnecting' && state.snapshot.nextRetryAt !== null)
            expect(state.phase.name).toBe('waiting');
          for (const x of effects)
            if (x.type === 'arm') expect(x.ms).toBeLessThanOrEqual(MAX_DELAY_MS);
        }
      }),
      { numRuns: Number(process.env.SOCKGUARD_PROPERTY_RUNS ?? 300) },
    );
  });
});
