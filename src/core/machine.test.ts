/**
 * The connection machine as a table (SPEC.md sections 2 and 3): each row starts from the control
 * reached by a few events, steps one more event, and checks the control and the effects. No timer,
 * no socket, no app callback: time, online state and the backoff are the row's inputs.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../protocol/classify.js';
import type { ClassificationOverride, Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { MAX_DELAY_MS } from './clock.js';
import {
  type Control,
  type Effect,
  INITIAL_CONTROL,
  type MachineConfig,
  type MachineEvent,
  type StepContext,
  step,
} from './machine.js';

const config: MachineConfig = {
  connectTimeoutMs: 10_000,
  minUptimeMs: 5000,
  lostAfterMs: 5000,
  suspendAfterMs: 120_000,
  errorCloseWindowMs: 1000,
  refreshAuthTimeoutMs: 15_000,
  maxHandshakeFailures: 3,
  canRefresh: false,
  capMs: 30_000,
  throttleFloorMs: 5000,
  delivery: null,
};

interface Inputs {
  mono?: number;
  wall?: number;
  online?: boolean;
  hidden?: boolean;
  canRefresh?: boolean;
  /** The backoff's answer for every retry. */
  delay?: number | null;
}

function contextOf(inputs: Inputs): StepContext {
  let ids = 0;
  return {
    mono: inputs.mono ?? 0,
    wall: inputs.wall ?? 1_000_000,
    online: inputs.online ?? true,
    hidden: inputs.hidden ?? false,
    config: { ...config, canRefresh: inputs.canRefresh ?? false },
    fault: (input: FaultInput, forced?: ClassificationOverride) =>
      classify(input, {
        id: `f${++ids}`,
        now: 0,
        ...(forced ? { overrides: { [input.source]: { [input.code]: forced } } } : {}),
      }),
    delay: () => (inputs.delay === undefined ? 1000 : inputs.delay),
  };
}

/** Folds events through `step`; returns the last control and the last step's effects. */
function drive(events: readonly MachineEvent[], inputs: Inputs = {}) {
  let control: Control = INITIAL_CONTROL;
  let effects: readonly Effect[] = [];
  for (const event of events) {
    const result = step(control, event, contextOf(inputs));
    control = result.control;
    effects = result.effects;
  }
  return { control, effects };
}

const connect: MachineEvent = { type: 'connect' };
const opening = (attemptId = 1): MachineEvent => ({ type: 'opening', attemptId, asked: [] });
const opened = (attemptId = 1): MachineEvent => ({ type: 'opened', attemptId });
const closed = (code: number, attemptId = 1): MachineEvent => ({
  type: 'closed',
  attemptId,
  info: { code, reason: '', wasClean: code !== 1006 },
});
const errorEnvelope = (code: number, meta?: Record<string, unknown>): MachineEvent => ({
  type: 'error-envelope',
  envelope: { type: 'error', data: { code, message: 'server says' }, ...(meta ? { meta } : {}) },
});
const timer = (name: Extract<MachineEvent, { type: 'timer' }>['name']): MachineEvent => ({
  type: 'timer',
  name,
});
const OPEN = [connect, opening(), opened()];

const types = (effects: readonly Effect[]) => effects.map((e) => e.type);
const armed = (effects: readonly Effect[], name: string) =>
  effects.find((e): e is Extract<Effect, { type: 'arm' }> => e.type === 'arm' && e.timer === name);
const reported = (effects: readonly Effect[]): Fault[] =>
  effects.flatMap((e) => (e.type === 'report' ? [e.fault] : []));

describe('machine: starting and opening', () => {
  it('connect from idle watches the browser, arms the down and connect timers, then connects', () => {
    const { control, effects } = drive([connect]);
    expect(control.snapshot.status).toBe('connecting');
    expect(control.link).toBe('pending');
    expect(types(effects)).toEqual(['watch', 'clear', 'notify', 'arm', 'arm', 'arm', 'connect']);
    expect(armed(effects, 'lost')?.ms).toBe(5000);
    expect(armed(effects, 'suspend')?.ms).toBe(120_000);
    expect(armed(effects, 'connect')?.ms).toBe(10_000);
  });

  it('connect while connecting does nothing', () => {
    const { control, effects } = drive([connect, connect]);
    expect(effects).toEqual([]);
    expect(control.attemptId).toBe(1);
  });

  it('an open clears the down timers, resolves the store, then starts the heartbeat and flushes', () => {
    const { control, effects } = drive(OPEN);
    expect(control.snapshot.status).toBe('open');
    expect(types(effects)).toEqual([
      'clear',
      'notify',
      'resolve-store',
      'arm',
      'heartbeat',
      'flush',
    ]);
    expect(effects[0]).toEqual({ type: 'clear', timers: ['connect', 'lost', 'suspend'] });
  });

  it('events of a superseded attempt are ignored', () => {
    const { control, effects } = drive([connect, opening(), opened(7)]);
    expect(control.link).toBe('opening');
    expect(effects).toEqual([]);
  });

  it('the connect timeout while url() is pending says so, and counts as a failed handshake', () => {
    const { control, effects } = drive([connect, timer('connect')]);
    const [fault] = reported(effects);
    expect(fault?.code).toBe('connect_timeout');
    expect(fault?.detail.cause).toContain('url/protocols did not settle within 10000 ms');
    expect(control.handshakeFailures).toBe(1);
    expect(control.snapshot.status).toBe('reconnecting');
  });

  it('staying open minUptimeMs resets the attempt counter and the auth strike', () => {
    const { control } = drive([
      connect,
      opening(),
      closed(1006),
      timer('retry'),
      opening(2),
      opened(2),
      timer('stable'),
    ]);
    expect(control.snapshot.attempt).toBe(0);
    expect(control.authFailed).toBe(false);
  });
});

describe('machine: drops and retries', () => {
  it('a soft close reports once, settles requests on the wire, and arms the retry', () => {
    const { control, effects } = drive([...OPEN, closed(1006)], { wall: 5000 });
    expect(reported(effects).map((f) => f.code)).toEqual([1006]);
    expect(types(effects).slice(0, 3)).toEqual(['abandon', 'clear', 'report']);
    expect(effects).toContainEqual({ type: 'abandon', linkDead: true, resend: true });
    expect(types(effects)).toContain('drop-requests');
    expect(armed(effects, 'retry')?.ms).toBe(1000);
    expect(control.snapshot).toMatchObject({ status: 'reconnecting', nextRetryAt: 6000 });
  });

  it('a fatal close fails: requests rejected with it, queue discarded, no retry, no watch', () => {
    const { control, effects } = drive([...OPEN, closed(1008)]);
    expect(control.snapshot.status).toBe('failed');
    expect(types(effects)).toEqual(
      expect.arrayContaining(['clear-all', 'unwatch', 'reject-requests', 'discard', 'report']),
    );
    expect(armed(effects, 'retry')).toBeUndefined();
    expect(control.fatalId).toBe(reported(effects)[0]?.id);
  });

  it('a backoff that gives up (null) fails with unreachable, the one report of that drop', () => {
    const { control, effects } = drive([...OPEN, closed(1006)], { delay: null });
    expect(control.snapshot.status).toBe('failed');
    expect(reported(effects)).toHaveLength(1);
    const [fault] = reported(effects);
    expect(fault).toMatchObject({ code: 'unreachable', severity: 'fatal' });
    expect(fault?.detail.cause).toBe('gave up after 0 retries (last: close 1006)');
  });

  it('a delay beyond what timers hold is clamped, and the UI is shown the clamped time', () => {
    const { control, effects } = drive([...OPEN, closed(1006)], { delay: 2.2e9, wall: 0 });
    expect(armed(effects, 'retry')?.ms).toBe(MAX_DELAY_MS);
    expect(control.snapshot).toMatchObject({ nextRetryAt: MAX_DELAY_MS });
  });

  it('the retry is due on the monotonic clock: a wall clock stepped back moves nothing', () => {
    let { control } = drive([...OPEN, closed(1006)], { mono: 0, wall: 10_000_000 });
    // 400 ms later by the monotonic clock, one hour earlier by the wall clock.
    const later = contextOf({ mono: 400, wall: 10_000_000 - 3_600_000 });
    ({ control } = step(control, { type: 'hidden' }, { ...later, hidden: true }));
    const { effects } = step(control, { type: 'visible' }, later);
    expect(armed(effects, 'retry')?.ms).toBe(600);
  });

  it('handshake failures in a row become unreachable on the third', () => {
    const { effects } = drive([
      connect,
      opening(),
      closed(1006, 1),
      timer('retry'),
      opening(2),
      closed(1006, 2),
      timer('retry'),
      opening(3),
      closed(1006, 3),
    ]);
    expect(reported(effects)[0]?.code).toBe('unreachable');
  });

  it('with a refresher, the third failed handshake refreshes first and then retries at once', () => {
    const events = [
      connect,
      opening(),
      closed(1006, 1),
      timer('retry'),
      opening(2),
      closed(1006, 2),
      timer('retry'),
      opening(3),
      closed(1006, 3),
    ];
    let { control, effects } = drive(events, { canRefresh: true });
    expect(types(effects)).toContain('refresh');
    expect(control.snapshot).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    ({ control, effects } = step(control, { type: 'refreshed', run: 0 }, contextOf({})));
    expect(armed(effects, 'retry')?.ms).toBe(0);
  });

  it('down longer than lostAfterMs says lost; suspended fails queued work and retries slow', () => {
    let { control, effects } = drive([...OPEN, closed(1006), timer('lost')]);
    expect(control.snapshot.lost).toBe(true);
    ({ control, effects } = step(control, timer('suspend'), contextOf({})));
    expect(control.snapshot.suspended).toBe(true);
    expect(types(effects)).toEqual(expect.arrayContaining(['discard', 'reject-requests']));
    ({ control, effects } = step(control, timer('retry'), contextOf({})));
    ({ control, effects } = step(control, opening(2), contextOf({})));
    ({ effects } = step(control, closed(1006, 2), contextOf({})));
    expect(armed(effects, 'retry')?.ms).toBe(config.capMs);
  });

  it('a retry hint raises the delay (close 1013 with the throttle floor)', () => {
    const { effects } = drive([...OPEN, closed(1013)], { delay: 0 });
    expect(armed(effects, 'retry')?.ms).toBe(0);
    // The backoff is asked with the hint; its answer stands (it saw hintMs = the floor).
  });
});

describe('machine: auth', () => {
  it('close 4003 with a refresher: one refresh, retries held until it settles, then at once', () => {
    let { control, effects } = drive([...OPEN, closed(4003)], { canRefresh: true });
    expect(reported(effects)[0]).toMatchObject({ code: 4003, severity: 'recoverable' });
    expect(armed(effects, 'refresh')?.ms).toBe(15_000);
    expect(types(effects)).toContain('refresh');
    expect(armed(effects, 'retry')).toBeUndefined();
    ({ control, effects } = step(control, { type: 'refreshed', run: 0 }, contextOf({})));
    expect(armed(effects, 'retry')?.ms).toBe(0);
  });

  it('close 4003 without a refresher fails with reauthenticate', () => {
    const { control } = drive([...OPEN, closed(4003)]);
    expect(control.snapshot).toMatchObject({ status: 'failed' });
    expect(control.snapshot.lastFault?.action).toBe('reauthenticate');
  });

  it('a second auth failure before the connection is stable is final', () => {
    const { control } = drive(
      [
        ...OPEN,
        closed(4003),
        { type: 'refreshed', run: 0 },
        timer('retry'),
        opening(2),
        opened(2),
        closed(4003, 2),
      ],
      { canRefresh: true },
    );
    expect(control.snapshot.status).toBe('failed');
  });

  it('error 4003 then close 1008 is one auth fault: the refresher is called', () => {
    const { control, effects } = drive([...OPEN, errorEnvelope(4003), closed(1008)], {
      canRefresh: true,
    });
    expect(reported(effects)).toHaveLength(1);
    expect(reported(effects)[0]).toMatchObject({ action: 'reauthenticate' });
    expect(types(effects)).toContain('refresh');
    expect(control.snapshot.status).toBe('reconnecting');
  });

  it('a lone 4003 envelope with a refresher leaves the connection for a refresh', () => {
    const { effects } = drive([...OPEN, errorEnvelope(4003), timer('auth')], { canRefresh: true });
    expect(effects[0]).toEqual({
      type: 'abandon',
      code: 1000,
      reason: 'reauthenticate',
      linkDead: false,
      resend: true,
    });
    expect(types(effects)).toContain('refresh');
  });

  it('a refresh that does not settle in time fails the auth fault', () => {
    const { control } = drive([...OPEN, closed(4003), timer('refresh')], { canRefresh: true });
    expect(control.snapshot.status).toBe('failed');
    const fault = control.snapshot.status === 'failed' ? control.snapshot.fault : null;
    expect(fault?.detail.cause).toContain('did not settle within 15000 ms');
  });

  it('a refresh result of an older run is ignored', () => {
    const { control, effects } = drive(
      [...OPEN, closed(4003), { type: 'reconnect' }, { type: 'refreshed', run: 0 }],
      { canRefresh: true },
    );
    expect(effects).toEqual([]);
    expect(control.snapshot.status).toBe('connecting');
  });

  it('a fatal setup failure (no WebSocket) fails at once, without a refresh', () => {
    const noWs = contextOf({}).fault({ source: 'client', code: 'no_websocket' });
    const { control, effects } = drive(
      [connect, { type: 'setup-failed', attemptId: 1, fault: noWs }],
      { canRefresh: true },
    );
    expect(control.snapshot.status).toBe('failed');
    expect(types(effects)).not.toContain('refresh');
  });
});

describe('machine: application errors', () => {
  it('a rate limit holds the queue for the hint and changes the snapshot once per burst', () => {
    let { control, effects } = drive([...OPEN, errorEnvelope(4005, { retry_after_ms: 2500 })]);
    expect(effects).toContainEqual({ type: 'hold', ms: 2500 });
    expect(control.snapshot.status).toBe('open');
    const before = control.snapshot;
    ({ control, effects } = step(
      control,
      errorEnvelope(4005, { retry_after_ms: 2500 }),
      contextOf({}),
    ));
    expect(control.snapshot).toBe(before);
  });

  it('an error envelope with a request_id rejects that request before it is reported', () => {
    const { effects } = drive([...OPEN, errorEnvelope(4001, { request_id: 'r1' })]);
    expect(types(effects).slice(0, 2)).toEqual(['reject-request', 'report']);
  });
});

describe('machine: browser life', () => {
  const down = [...OPEN, closed(1006)];

  it('offline holds the retry; online retries at once', () => {
    let { control, effects } = drive([...down, { type: 'offline' }], { online: false });
    expect(effects).toContainEqual({ type: 'clear', timers: ['retry'] });
    expect(control.snapshot).toMatchObject({ nextRetryAt: null });
    ({ control, effects } = step(control, { type: 'online' }, contextOf({})));
    expect(types(effects)).toContain('connect');
  });

  it('online with the socket open sends a probe instead', () => {
    const { effects } = drive([...OPEN, { type: 'online' }]);
    expect(effects).toEqual([{ type: 'probe' }]);
  });

  it('a heartbeat timeout while offline says offline, not connection lost', () => {
    const { effects } = drive(
      [...OPEN, { type: 'heartbeat-timeout', attemptId: 1, timeoutMs: 5 }],
      {
        online: false,
      },
    );
    expect(reported(effects)[0]?.code).toBe('offline');
  });

  it('a frozen page closes cleanly and waits; restored reconnects', () => {
    let { control, effects } = drive([...OPEN, { type: 'frozen' }]);
    expect(effects[0]).toEqual({
      type: 'abandon',
      code: 1000,
      reason: 'page frozen',
      linkDead: false,
      resend: true,
    });
    expect(control.snapshot).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    ({ control, effects } = step(control, { type: 'restored' }, contextOf({})));
    expect(types(effects)).toContain('connect');
  });

  it('browser events are ignored once closed (nothing watched)', () => {
    const { effects } = drive([...OPEN, { type: 'close' }, { type: 'online' }]);
    expect(effects).toEqual([]);
  });
});

describe('machine: stopping', () => {
  it('close() stops everything and settles all work; later events of the old attempt do nothing', () => {
    let { control, effects } = drive([...OPEN, { type: 'close', code: 1000, reason: 'bye' }]);
    expect(control.snapshot.status).toBe('closed');
    expect(effects[0]).toEqual({
      type: 'abandon',
      code: 1000,
      reason: 'bye',
      linkDead: false,
      resend: false,
    });
    expect(types(effects)).toEqual(
      expect.arrayContaining(['clear-all', 'unwatch', 'reject-requests', 'discard']),
    );
    ({ control, effects } = step(control, closed(1006, 1), contextOf({})));
    expect(effects).toEqual([]);
    ({ effects } = step(control, timer('retry'), contextOf({})));
    expect(effects).toEqual([]);
  });

  it('reconnect() of a live socket drops its requests on the wire and starts over at attempt 0', () => {
    const { control, effects } = drive([
      ...OPEN,
      closed(1006),
      timer('retry'),
      opening(2),
      opened(2),
      { type: 'reconnect' },
    ]);
    expect(effects).toContainEqual({
      type: 'drop-requests',
      cause: 'connection lost (reconnect() was called)',
    });
    expect(control.snapshot).toMatchObject({ status: 'connecting', attempt: 0 });
    expect(types(effects).at(-1)).toBe('connect');
  });

  it('reconnect() leaves failed', () => {
    const { control } = drive([...OPEN, closed(1008), { type: 'reconnect' }]);
    expect(control.snapshot.status).toBe('connecting');
    expect(control.watching).toBe(true);
  });
});

describe('machine: delivery', () => {
  const on = { delivery: { helloTimeoutMs: 5000, ackTimeoutMs: 10_000 } } as const;
  const run = (events: readonly MachineEvent[]) => {
    let control: Control = INITIAL_CONTROL;
    let effects: readonly Effect[] = [];
    const ctx = { ...contextOf({}), config: { ...config, ...on } };
    for (const event of events) ({ control, effects } = step(control, event, ctx));
    return { control, effects };
  };

  it('an open says hello and holds the queue for the welcome (no flush)', () => {
    const { control, effects } = run(OPEN);
    expect(control.awaiting).toBe(true);
    expect(types(effects)).toContain('hello');
    expect(types(effects)).not.toContain('flush');
    expect(armed(effects, 'hello')?.ms).toBe(5000);
  });

  it('the welcome releases the queue; a resync it carries is reported once and shown', () => {
    const fault = contextOf({}).fault({ source: 'client', code: 'resync' });
    const { control, effects } = run([...OPEN, { type: 'welcome', attemptId: 1, fault }]);
    expect(control.awaiting).toBe(false);
    expect(types(effects)).toEqual(['clear', 'arm', 'report', 'notify', 'flush']);
    expect(control.snapshot.lastFault).toBe(fault);
  });

  it('no welcome in time is a failed attempt (hello_timeout, retried with backoff), never plain', () => {
    const { control, effects } = run([...OPEN, timer('hello')]);
    expect(effects[0]).toMatchObject({ type: 'abandon', resend: true });
    expect(reported(effects).map((f) => f.code)).toEqual(['hello_timeout']);
    expect(reported(effects)[0]).toMatchObject({ severity: 'recoverable', action: 'reconnect' });
    expect(control.plain).toBe(false);
    expect(control.snapshot.status).toBe('reconnecting');
    expect(armed(effects, 'retry')?.ms).toBe(1000);
    // The next connection says hello again.
    const next = run([...OPEN, timer('hello'), timer('retry'), opening(2), opened(2)]);
    expect(types(next.effects)).toContain('hello');
    expect(types(next.effects)).not.toContain('flush');
  });

  it('only an answer of the server makes it plain: then the queue goes, and no later open says hello', () => {
    let { control, effects } = run([...OPEN, { type: 'plain', attemptId: 1 }]);
    expect(types(effects)).toEqual(['clear', 'arm', 'plain', 'flush']);
    expect(control.plain).toBe(true);
    ({ control, effects } = run([
      ...OPEN,
      { type: 'plain', attemptId: 1 },
      closed(1006),
      timer('retry'),
      opening(2),
      opened(2),
    ]));
    expect(types(effects)).toContain('flush');
    expect(types(effects)).not.toContain('hello');
  });

  it('until the welcome the link is not up: no stable timer, the down timers run on; the welcome arms and clears them', () => {
    const open = run(OPEN);
    expect(armed(open.effects, 'stable')).toBeUndefined();
    expect(open.effects).not.toContainEqual({
      type: 'clear',
      timers: ['connect', 'lost', 'suspend'],
    });
    expect(open.control.downTimers).toBe(true);
    const { control, effects } = run([...OPEN, { type: 'welcome', attemptId: 1, fault: null }]);
    expect(armed(effects, 'stable')?.ms).toBe(5000);
    expect(effects).toContainEqual({ type: 'clear', timers: ['hello', 'lost', 'suspend'] });
    expect(control.downTimers).toBe(false);
  });

  it('a delivery failure (a violation, an unavailable session) leaves the link and retries with backoff', () => {
    const ctx = contextOf({});
    for (const code of ['protocol_violation', 'session_unavailable'] as const) {
      const fault = ctx.fault({ source: 'client', code, cause: 'x' });
      const { control, effects } = run([
        ...OPEN,
        { type: 'welcome', attemptId: 1, fault: null },
        { type: 'delivery-failed', attemptId: 1, fault },
      ]);
      expect(effects[0]).toMatchObject({ type: 'abandon', resend: true, linkDead: false });
      expect(reported(effects)).toEqual([fault]);
      expect(control.snapshot.status).toBe('reconnecting');
      expect(control.retryDue).not.toBeNull();
    }
    // One of an older attempt is stale.
    const stale = contextOf({}).fault({ source: 'client', code: 'protocol_violation' });
    expect(run([...OPEN, { type: 'delivery-failed', attemptId: 0, fault: stale }]).effects).toEqual(
      [],
    );
  });

  it('a welcome of a superseded attempt is ignored', () => {
    const { effects } = run([...OPEN, { type: 'welcome', attemptId: 9, fault: null }]);
    expect(effects).toEqual([]);
  });

  it('an ack timeout leaves the link (its sends go again) and retries', () => {
    const { control, effects } = run([
      ...OPEN,
      { type: 'welcome', attemptId: 1, fault: null },
      { type: 'ack-timeout', attemptId: 1 },
    ]);
    expect(effects[0]).toMatchObject({ type: 'abandon', linkDead: true, resend: true });
    expect(reported(effects)[0]?.code).toBe('ack_timeout');
    expect(control.snapshot.status).toBe('reconnecting');
  });

  it('close() abandons without resending (the discard tells each send its fate); reconnect() resends', () => {
    expect(run([...OPEN, { type: 'close' }]).effects[0]).toMatchObject({ resend: false });
    expect(run([...OPEN, { type: 'reconnect' }]).effects[0]).toMatchObject({ resend: true });
  });
});
