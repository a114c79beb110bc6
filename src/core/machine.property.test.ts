/**
 * The connection machine under random event sequences (fast-check): whatever happens, in whatever
 * order, the control stays consistent. Pure: no timers, no sockets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from '../protocol/classify.js';
import {
  type Control,
  INITIAL_CONTROL,
  type MachineEvent,
  type StepContext,
  step,
  type TimerName,
} from './machine.js';

const TIMERS: TimerName[] = [
  'connect',
  'stable',
  'auth',
  'lost',
  'suspend',
  'refresh',
  'retry',
  'hello',
];
/** Events of attempt 0 are rewritten to the current attempt, so most hit it and some are stale. */
const CURRENT = 0;
const attempt = fc.constantFrom(CURRENT, CURRENT, CURRENT, -1);
const event: fc.Arbitrary<MachineEvent> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<MachineEvent>(
      { type: 'connect' },
      { type: 'reconnect' },
      { type: 'close' },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<MachineEvent>(
      { type: 'online' },
      { type: 'offline' },
      { type: 'hidden' },
      { type: 'visible' },
      { type: 'frozen' },
      { type: 'restored' },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...TIMERS).map((name): MachineEvent => ({ type: 'timer', name })),
  },
  {
    weight: 3,
    arbitrary: attempt.map((d): MachineEvent => ({ type: 'opening', attemptId: d, asked: [] })),
  },
  { weight: 3, arbitrary: attempt.map((d): MachineEvent => ({ type: 'opened', attemptId: d })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ d: attempt, code: fc.constantFrom(1000, 1006, 1008, 1013, 4003, 4005, 5000) })
      .map(
        ({ d, code }): MachineEvent => ({
          type: 'closed',
          attemptId: d,
          info: { code, reason: '', wasClean: true },
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(4000, 4003, 4005, 5000).map(
      (code): MachineEvent => ({
        type: 'error-envelope',
        envelope: { type: 'error', data: { code, message: 'm' } },
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(CURRENT, -1)
      .map((run): MachineEvent => ({ type: 'refreshed', run })),
  },
  {
    weight: 1,
    arbitrary: attempt.map(
      (d): MachineEvent => ({ type: 'heartbeat-timeout', attemptId: d, timeoutMs: 1 }),
    ),
  },
  {
    weight: 1,
    arbitrary: attempt.map((d): MachineEvent => ({ type: 'welcome', attemptId: d, fault: null })),
  },
  { weight: 1, arbitrary: attempt.map((d): MachineEvent => ({ type: 'plain', attemptId: d })) },
  {
    weight: 1,
    arbitrary: fc.tuple(attempt, fc.constantFrom('protocol_violation', 'session_unavailable')).map(
      ([d, code]): MachineEvent => ({
        type: 'delivery-failed',
        attemptId: d,
        fault: classify({ source: 'client', code }, { id: 'x', now: 0 }),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: attempt.map((d): MachineEvent => ({ type: 'ack-timeout', attemptId: d })),
  },
);
/** Points an event's attempt (or run) at the current one, or the one before it. */
function aim(e: MachineEvent, control: Control): MachineEvent {
  if ('attemptId' in e) return { ...e, attemptId: control.attemptId + e.attemptId };
  if (e.type === 'refreshed') return { ...e, run: control.run + e.run };
  return e;
}
const inputs = fc.record({
  online: fc.boolean(),
  hidden: fc.boolean(),
  delay: fc.option(fc.integer({ min: 0, max: 3e9 }), { nil: null, freq: 10 }),
  canRefresh: fc.boolean(),
  delivery: fc.boolean(),
});

describe('machine invariants under random event sequences', () => {
  it('keep one consistent control: no link or retry once stopped, attempts only go up', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(event, inputs), { minLength: 10, maxLength: 80 }), (steps) => {
        let control: Control = INITIAL_CONTROL;
        let ids = 0;
        let mono = 0;
        for (const [e, i] of steps) {
          mono += 100;
          const ctx: StepContext = {
            mono,
            wall: mono,
            online: i.online,
            hidden: i.hidden,
            config: {
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
              delivery: i.delivery ? { helloTimeoutMs: 1000, ackTimeoutMs: 1000 } : null,
            },
            fault: (input, forced) =>
              classify(input, {
                id: `f${++ids}`,
                now: 0,
                ...(forced ? { overrides: { [input.source]: { [input.code]: forced } } } : {}),
              }),
            delay: () => i.delay,
          };
          const before = control;
          const { control: next, effects } = step(control, aim(e, control), ctx);
          control = next;
          const { status } = control.snapshot;
          expect(control.attemptId).toBeGreaterThanOrEqual(before.attemptId);
          expect(control.run).toBeGreaterThanOrEqual(before.run);
          if (status === 'closed' || status === 'failed' || status === 'idle') {
            expect(control.link).toBe('none');
            expect(control.retryDue).toBeNull();
            expect(control.refreshing).toBeNull();
            expect(control.watching).toBe(false);
            // A stop clears every timer, and nothing is armed after that.
            const cleared = effects.findIndex((x) => x.type === 'clear-all');
            if (status !== before.snapshot.status) expect(cleared).toBeGreaterThanOrEqual(0);
            expect(
              effects.slice(cleared + 1).some((x) => x.type === 'arm' || x.type === 'connect'),
            ).toBe(false);
          }
          if (status === 'open') expect(control.link).toBe('open');
          // Sends wait for a welcome only on an open link.
          if (control.awaiting) expect(control.link).toBe('open');
          if (control.link !== 'none') expect(['connecting', 'open']).toContain(status);
          if (status === 'reconnecting') expect(control.retryDue).not.toBeNull();
          for (const x of effects)
            if (x.type === 'arm') expect(x.ms).toBeLessThanOrEqual(2 ** 31 - 1);
        }
      }),
      { numRuns: Number(process.env.SOCKGUARD_PROPERTY_RUNS ?? 300) },
    );
  });
});
