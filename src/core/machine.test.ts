/**
 * The connection machine as a table (SPEC.md sections 2 and 3). First every cell: each phase
 * steps every event, and a cell the table leaves empty changes nothing; a filled cell goes where
 * its row below says. Then the rules, one row each: a few events from the start, one more, and
 * the state and effects it must give. No timer, no socket, no app callback.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../protocol/classify.js';
import type { Fault } from '../protocol/fault.js';
import { MAX_DELAY_MS } from './clock.js';
import {
  type Config,
  type Effect,
  type Event,
  type EventType,
  INITIAL_STATE,
  type Now,
  type PhaseName,
  type State,
  step,
  TABLE,
} from './machine.js';

const config: Config = {
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
  holdMs: 1000,
  gated: false,
  prefix: 't',
};

interface Inputs {
  mono?: number;
  wall?: number;
  online?: boolean;
  hidden?: boolean;
  config?: Partial<Config>;
}

const nowOf = (i: Inputs): Now => ({
  mono: i.mono ?? 0,
  wall: i.wall ?? 1_000_000,
  online: i.online ?? true,
  hidden: i.hidden ?? false,
});

const ACK_TIMEOUT = classify({ source: 'transport', code: 'ack_timeout' }, { id: 'a', now: 0 });

/** Folds events through `step` (each aimed at the current attempt); the last step's effects. */
function drive(events: readonly Event[], inputs: Inputs = {}, from: State = INITIAL_STATE) {
  let state = from;
  let effects: readonly Effect[] = [];
  for (const event of events) {
    const aimed =
      'attempt' in event && event.attempt === 0 ? { ...event, attempt: state.attempt } : event;
    ({ state, effects } = step(state, aimed as Event, nowOf(inputs), {
      ...config,
      ...inputs.config,
    }));
  }
  return { state, effects };
}

// Attempt 0 means "the current attempt" (see `drive`).
const connect: Event = { type: 'connect' };
const opening: Event = { type: 'opening', attempt: 0, asked: [], url: 'wss://h/ws' };
const opened: Event = { type: 'opened', attempt: 0 };
const closed = (code: number): Event => ({
  type: 'closed',
  attempt: 0,
  code,
  reason: '',
  wasClean: code !== 1006,
});
const error = (code: number, meta?: Record<string, unknown>): Event => ({
  type: 'error',
  envelope: { type: 'error', data: { code, message: 'server says' }, ...(meta ? { meta } : {}) },
});
const delay = (ms: number | null): Event => ({ type: 'delay', attempt: 0, ms });
const OPEN = [connect, opening, opened];

const types = (effects: readonly Effect[]) => effects.map((e) => e.type);
const armed = (effects: readonly Effect[], name: string) =>
  effects.find((e): e is Extract<Effect, { type: 'arm' }> => e.type === 'arm' && e.timer === name);
const reported = (effects: readonly Effect[]): Fault[] =>
  effects.flatMap((e) => (e.type === 'report' ? [e.fault] : []));

// ---- every cell -------------------------------------------------------------------------------

/** A state in each phase, reached the way a socket reaches it. */
const AT: Record<PhaseName, State> = {
  idle: INITIAL_STATE,
  pending: drive([connect]).state,
  opening: drive([connect, opening]).state,
  open: drive(OPEN).state,
  waiting: drive([...OPEN, closed(1006), delay(1000)]).state,
  refreshing: drive([...OPEN, closed(4003)], { config: { canRefresh: true } }).state,
  failed: drive([...OPEN, closed(1008)]).state,
  closed: drive([connect, { type: 'close' }]).state,
};

/** One event of each type, aimed at the current attempt and run. */
function eventOf(type: EventType, s: State): Event {
  const attempt = s.attempt;
  switch (type) {
    case 'setup-failed':
      return { type, attempt, input: { source: 'client', code: 'url_failed', cause: 'x' } };
    case 'opening':
      return { type, attempt, asked: [], url: 'wss://h/ws' };
    case 'opened':
    case 'ready':
      return { type, attempt };
    case 'closed':
      return { type, attempt, code: 1006, reason: '', wasClean: false };
    case 'error':
      return error(4001);
    case 'dead':
      return { type, attempt, ms: 10 };
    case 'refreshed':
      return { type, run: s.run };
    case 'delay':
      return { type, attempt, ms: 500 };
    case 'drop':
      return { type, attempt, fault: ACK_TIMEOUT, dead: true };
    case 'close':
      return { type };
    default:
      return { type } as Event;
  }
}

const EVENTS: EventType[] = [
  'connect',
  'reconnect',
  'close',
  'setup-failed',
  'opening',
  'opened',
  'closed',
  'error',
  'dead',
  'connect-timeout',
  'stable',
  'auth-wait',
  'lost',
  'suspend',
  'refresh-timeout',
  'retry',
  'refreshed',
  'delay',
  'ready',
  'drop',
  'online',
  'offline',
  'hidden',
  'visible',
  'frozen',
  'restored',
];

/**
 * Where each filled cell goes from the states above: the next phase (`=`: stays). Cells whose
 * guard turns this event away in this state (an auth wait with no lone auth envelope, a welcome
 * the open does not wait for) stay too; their rules have rows below.
 */
const GOES: { readonly [P in PhaseName]: Partial<Record<EventType, PhaseName | '='>> } = {
  idle: { connect: 'pending', reconnect: 'pending', close: 'closed' },
  pending: {
    reconnect: 'pending',
    close: 'closed',
    'setup-failed': 'waiting',
    opening: 'opening',
    'connect-timeout': 'waiting',
    lost: '=',
    suspend: '=',
    frozen: 'waiting',
    restored: '=',
  },
  opening: {
    reconnect: 'pending',
    close: 'closed',
    opened: 'open',
    closed: 'waiting',
    'connect-timeout': 'waiting',
    lost: '=',
    suspend: '=',
    frozen: 'waiting',
    restored: '=',
  },
  open: {
    reconnect: 'pending',
    close: 'closed',
    closed: 'waiting',
    error: '=',
    dead: 'waiting',
    stable: '=',
    'auth-wait': '=',
    ready: '=',
    lost: '=',
    suspend: '=',
    drop: 'waiting',
    online: '=',
    offline: '=',
    visible: '=',
    frozen: 'waiting',
    restored: '=',
  },
  waiting: {
    reconnect: 'pending',
    close: 'closed',
    lost: '=',
    suspend: '=',
    retry: 'pending',
    delay: '=',
    online: 'pending',
    offline: '=',
    hidden: '=',
    visible: '=',
    frozen: '=',
    restored: 'pending',
  },
  refreshing: {
    reconnect: 'pending',
    close: 'closed',
    lost: '=',
    suspend: '=',
    refreshed: 'waiting',
    // This state refreshes for a 4003: a refresh that does not settle makes it final. (One for
    // failed handshakes retries instead: a row below.)
    'refresh-timeout': 'failed',
    frozen: '=',
    restored: '=',
  },
  failed: { reconnect: 'pending', close: 'closed' },
  closed: { connect: 'pending', reconnect: 'pending' },
};

describe('machine: every (phase, event) cell', () => {
  const cells = (Object.keys(AT) as PhaseName[]).flatMap((phase) =>
    EVENTS.map((event) => [phase, event] as const),
  );

  it('the table and this test know the same cells', () => {
    for (const phase of Object.keys(TABLE) as PhaseName[])
      expect(Object.keys(TABLE[phase]).sort()).toEqual(Object.keys(GOES[phase]).sort());
  });

  it.each(cells)('%s x %s', (phase, event) => {
    const from = AT[phase];
    expect(from.phase.name).toBe(phase);
    const { state, effects } = step(from, eventOf(event, from), nowOf({}), config);
    const goes = GOES[phase][event];
    if (goes === undefined) {
      expect(state).toBe(from);
      expect(effects).toEqual([]);
    } else expect(state.phase.name).toBe(goes === '=' ? phase : goes);
  });

  it('an event of a superseded attempt changes nothing', () => {
    for (const phase of ['pending', 'opening', 'open'] as const) {
      const from = AT[phase];
      for (const type of [
        'setup-failed',
        'opening',
        'opened',
        'closed',
        'dead',
        'ready',
        'drop',
      ] as const) {
        const stale = { ...eventOf(type, from), attempt: from.attempt - 1 } as Event;
        const { state, effects } = step(from, stale, nowOf({}), config);
        expect(state).toBe(from);
        expect(effects).toEqual([]);
      }
    }
  });
});

// ---- the rules --------------------------------------------------------------------------------

describe('machine: starting and opening', () => {
  it('connect from idle watches the browser, arms the down and connect timers, then connects', () => {
    const { state, effects } = drive([connect]);
    expect(state.snapshot.status).toBe('connecting');
    expect(types(effects)).toEqual(['watch', 'clear', 'arm', 'arm', 'arm', 'connect']);
    expect(armed(effects, 'lost')?.ms).toBe(5000);
    expect(armed(effects, 'suspend')?.ms).toBe(120_000);
    expect(armed(effects, 'connect-timeout')?.ms).toBe(10_000);
  });

  it('an open clears the down timers, resolves the store, starts the heartbeat and tells extensions (one effect), flushes', () => {
    const { state, effects } = drive(OPEN);
    expect(state.snapshot).toMatchObject({ status: 'open', openedAt: 1_000_000 });
    expect(types(effects)).toEqual(['clear', 'resolve', 'opened', 'clear', 'arm', 'flush']);
    expect(effects[0]).toEqual({ type: 'clear', timers: ['connect-timeout'] });
    expect(effects[3]).toEqual({ type: 'clear', timers: ['lost', 'suspend'] });
    expect(armed(effects, 'stable')?.ms).toBe(5000);
  });

  it('with a gating extension, an open holds the queue and the outage until it is ready, and a fault it hands is shown', () => {
    const gated = { config: { gated: true } };
    const { state, effects } = drive(OPEN, gated);
    expect(types(effects)).not.toContain('flush');
    expect(armed(effects, 'stable')).toBeUndefined();
    expect(effects).not.toContainEqual({ type: 'clear', timers: ['lost', 'suspend'] });
    const resync = drive([], gated).state;
    expect(resync.phase.name).toBe('idle');
    const fault = { ...(reported(drive([...OPEN, closed(1006)], gated).effects)[0] as Fault) };
    const ready = step(state, { type: 'ready', attempt: state.attempt, fault }, nowOf({}), {
      ...config,
      gated: true,
    });
    expect(types(ready.effects)).toEqual(['report', 'clear', 'arm', 'flush']);
    expect(ready.state.snapshot.lastFault).toBe(fault);
  });

  it('the connect timeout while url() is pending says so, and counts as a failed handshake', () => {
    const { state, effects } = drive([connect, { type: 'connect-timeout' }, delay(100)]);
    const [fault] = reported(effects);
    expect(fault?.code).toBe('connect_timeout');
    expect(fault?.detail.cause).toContain('url/protocols did not settle within 10000 ms');
    expect(state.failures).toBe(1);
    expect(state.snapshot.status).toBe('reconnecting');
  });

  it('staying open minUptimeMs resets the attempt counter and the auth strike', () => {
    const { state } = drive([
      connect,
      opening,
      closed(1006),
      delay(100),
      { type: 'retry' },
      opening,
      opened,
      { type: 'stable' },
    ]);
    expect(state.snapshot.attempt).toBe(0);
    expect(state.authFailed).toBe(false);
  });
});

describe('machine: drops and retries', () => {
  it('a soft close asks the backoff, and reports nothing until it answers', () => {
    const { state, effects } = drive([...OPEN, closed(1006)]);
    expect(effects).toContainEqual({ type: 'abandon', dead: true, stop: false });
    expect(effects.at(-1)).toMatchObject({ type: 'backoff', attempt: 1, hint: 0 });
    expect(reported(effects)).toEqual([]);
    expect(state.phase).toMatchObject({ name: 'waiting', due: null });
  });

  it('the answer reports the drop once, settles the wire, and arms the retry', () => {
    const { state, effects } = drive([...OPEN, closed(1006), delay(1000)], { wall: 5000 });
    expect(reported(effects).map((f) => f.code)).toEqual([1006]);
    expect(types(effects)).toContain('lost');
    expect(armed(effects, 'retry')?.ms).toBe(1000);
    expect(state.snapshot).toMatchObject({ status: 'reconnecting', attempt: 1, nextRetryAt: 6000 });
  });

  it('the delay counts from the fault, not from when the answer came (app listeners ran between)', () => {
    const asked = drive([...OPEN, closed(1006)], { mono: 100, wall: 5100 }).state;
    // The answer arrives 30 ms later: the retry is still due 1000 ms after the fault.
    const { state, effects } = drive([delay(1000)], { mono: 130, wall: 5130 }, asked);
    expect(state.phase).toMatchObject({ name: 'waiting', due: 1100 });
    expect(armed(effects, 'retry')?.ms).toBe(970);
    expect(state.snapshot).toMatchObject({ nextRetryAt: 6100 });
  });

  it('a fatal close fails: work settled with it, no retry, no watch, the fault kept', () => {
    const { state, effects } = drive([...OPEN, closed(1008)]);
    expect(state.snapshot.status).toBe('failed');
    expect(types(effects)).toEqual(expect.arrayContaining(['halt', 'settle', 'report']));
    expect(armed(effects, 'retry')).toBeUndefined();
    expect(state.fatal).toBe(reported(effects)[0]?.id);
  });

  it('a backoff that gives up (null) fails with unreachable, the one report, with the last failure in it', () => {
    const { state, effects } = drive([...OPEN, closed(1006), delay(null)]);
    expect(state.snapshot.status).toBe('failed');
    expect(reported(effects)).toHaveLength(1);
    const [fault] = reported(effects);
    expect(fault).toMatchObject({ code: 'unreachable', severity: 'fatal' });
    expect(fault?.detail.cause).toBe('gave up after 0 retries (last: close 1006)');
    expect(fault?.detail.last).toMatchObject({
      source: 'close',
      code: 1006,
      closeCode: 1006,
      wasClean: false,
    });
  });

  it('an answer for an older attempt (the socket moved on while it was awaited) changes nothing', () => {
    // Asked after attempt A failed; reconnect() and a failed attempt later, a newer wait is asked.
    const first = drive([...OPEN, closed(1006)]).state;
    const { state: newer } = drive([{ type: 'reconnect' }, opening, closed(1006)], {}, first);
    expect(newer.phase).toMatchObject({ name: 'waiting', due: null });
    expect(newer.attempt).toBeGreaterThan(first.attempt);
    const stale = step(newer, { type: 'delay', attempt: first.attempt, ms: 0 }, nowOf({}), config);
    expect(stale.state).toBe(newer);
    expect(stale.effects).toEqual([]);
    // The newer wait's own answer is taken.
    const taken = step(newer, { type: 'delay', attempt: newer.attempt, ms: 0 }, nowOf({}), config);
    expect(taken.state.phase).toMatchObject({ name: 'waiting', due: 0 });
  });

  it('a second answer for the same wait (one came already) changes nothing', () => {
    const { state } = drive([...OPEN, closed(1006), delay(1000)]);
    const again = step(state, { type: 'delay', attempt: state.attempt, ms: 0 }, nowOf({}), config);
    expect(again.state).toBe(state);
    expect(again.effects).toEqual([]);
  });

  it('a delay beyond what timers hold is clamped, and the UI is shown the clamped time', () => {
    const { state, effects } = drive([...OPEN, closed(1006), delay(2.2e9)], { wall: 0 });
    expect(armed(effects, 'retry')?.ms).toBe(MAX_DELAY_MS);
    expect(state.snapshot).toMatchObject({ nextRetryAt: MAX_DELAY_MS });
  });

  it('the retry is due on the monotonic clock: a wall clock stepped back moves nothing', () => {
    const down = drive([...OPEN, closed(1006), delay(1000)], { mono: 0, wall: 10_000_000 }).state;
    // 400 ms later by the monotonic clock, one hour earlier by the wall clock.
    const later = { mono: 400, wall: 10_000_000 - 3_600_000 };
    const hidden = step(down, { type: 'hidden' }, { ...nowOf(later), hidden: true }, config).state;
    const { effects } = step(hidden, { type: 'visible' }, nowOf(later), config);
    expect(armed(effects, 'retry')?.ms).toBe(600);
  });

  it('handshake failures in a row become unreachable on the third', () => {
    const again = [closed(1006), delay(10), { type: 'retry' }, opening] as Event[];
    const { effects } = drive([connect, opening, ...again, ...again, closed(1006), delay(10)]);
    expect(reported(effects)[0]?.code).toBe('unreachable');
  });

  it('with a refresher, the third failed handshake refreshes first and then retries at once', () => {
    const again = [closed(1006), delay(10), { type: 'retry' }, opening] as Event[];
    const inputs = { config: { canRefresh: true } };
    const { state, effects } = drive([connect, opening, ...again, ...again, closed(1006)], inputs);
    expect(types(effects)).toContain('refresh');
    expect(state.snapshot).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    const after = step(state, { type: 'refreshed', run: state.run }, nowOf({}), config);
    expect(armed(after.effects, 'retry')?.ms).toBe(0);
  });

  it('down longer than lostAfterMs says lost; suspended settles queued work and retries slow', () => {
    let { state, effects } = drive([...OPEN, closed(1006), delay(1000), { type: 'lost' }]);
    expect(state.snapshot.lost).toBe(true);
    ({ state, effects } = drive([{ type: 'suspend' }], {}, state));
    expect(state.snapshot.suspended).toBe(true);
    expect(effects[0]).toMatchObject({ type: 'settle', fault: { code: 'connection_closed' } });
    ({ effects } = drive([{ type: 'retry' }, opening, closed(1006), delay(100)], {}, state));
    expect(armed(effects, 'retry')?.ms).toBe(config.capMs);
  });

  it('a close that asks to come back later gives the backoff the throttle floor as a hint', () => {
    const { effects } = drive([...OPEN, closed(1013)]);
    expect(effects.at(-1)).toMatchObject({ type: 'backoff', hint: 5000 });
  });
});

describe('machine: auth', () => {
  const refresher = { config: { canRefresh: true } };

  it('close 4003 with a refresher: one refresh, retries held until it settles, then at once', () => {
    const { state, effects } = drive([...OPEN, closed(4003)], refresher);
    expect(reported(effects)[0]).toMatchObject({ code: 4003, severity: 'recoverable' });
    expect(armed(effects, 'refresh-timeout')?.ms).toBe(15_000);
    expect(types(effects)).toContain('refresh');
    expect(effects.filter((e) => e.type === 'arm' && e.timer === 'retry')).toHaveLength(1);
    expect(effects.at(-1)).toEqual({ type: 'refresh', run: state.run });
    const after = drive([{ type: 'refreshed', run: state.run }], {}, state);
    expect(armed(after.effects, 'retry')?.ms).toBe(0);
  });

  it('close 4003 without a refresher fails with reauthenticate', () => {
    const { state } = drive([...OPEN, closed(4003)]);
    expect(state.snapshot).toMatchObject({ status: 'failed' });
    expect(state.snapshot.lastFault?.action).toBe('reauthenticate');
  });

  it('a second auth failure before the connection is stable is final', () => {
    let { state } = drive([...OPEN, closed(4003)], refresher);
    ({ state } = drive(
      [{ type: 'refreshed', run: state.run }, { type: 'retry' }, opening, opened, closed(4003)],
      refresher,
      state,
    ));
    expect(state.snapshot.status).toBe('failed');
  });

  it('error 4003 then close 1008 is one auth fault: the refresher is called', () => {
    const { state, effects } = drive([...OPEN, error(4003), closed(1008)], refresher);
    expect(reported(effects)).toHaveLength(1);
    expect(reported(effects)[0]).toMatchObject({ action: 'reauthenticate' });
    expect(types(effects)).toContain('refresh');
    expect(state.snapshot.status).toBe('reconnecting');
  });

  it('a lone 4003 envelope with a refresher leaves the connection for a refresh', () => {
    const { effects } = drive([...OPEN, error(4003), { type: 'auth-wait' }], refresher);
    expect(effects[0]).toEqual({
      type: 'abandon',
      code: 1000,
      reason: 'reauthenticate',
      dead: false,
      stop: false,
    });
    expect(types(effects)).toContain('refresh');
  });

  it('a refresh that does not settle in time fails the auth fault', () => {
    const { state } = drive([...OPEN, closed(4003), { type: 'refresh-timeout' }], refresher);
    expect(state.snapshot.status).toBe('failed');
    const fault = state.snapshot.status === 'failed' ? state.snapshot.fault : null;
    expect(fault?.detail.cause).toContain('did not settle within 15000 ms');
  });

  it('a refresh result of an older run is ignored', () => {
    const { state: refreshing } = drive([...OPEN, closed(4003)], refresher);
    const { state, effects } = drive(
      [{ type: 'reconnect' }, { type: 'refreshed', run: refreshing.run }],
      refresher,
      refreshing,
    );
    expect(effects).toEqual([]);
    expect(state.snapshot.status).toBe('connecting');
  });

  it('a fatal setup failure (no WebSocket) fails at once, without a refresh', () => {
    const { state, effects } = drive(
      [
        connect,
        { type: 'setup-failed', attempt: 0, input: { source: 'client', code: 'no_websocket' } },
      ],
      refresher,
    );
    expect(state.snapshot.status).toBe('failed');
    expect(types(effects)).not.toContain('refresh');
  });
});

describe('machine: application errors', () => {
  it('a rate limit holds the queue for the hint and changes the snapshot once per burst', () => {
    const { state, effects } = drive([...OPEN, error(4005, { retry_after_ms: 2500 })]);
    expect(effects).toContainEqual({ type: 'hold', ms: 2500 });
    expect(state.snapshot.status).toBe('open');
    const again = drive([error(4005, { retry_after_ms: 2500 })], {}, state);
    expect(again.state.snapshot).toBe(state.snapshot);
  });

  it('a rate limit without a hint holds the queue for the policy first delay', () => {
    const { effects } = drive([...OPEN, error(4005)]);
    expect(effects).toContainEqual({ type: 'hold', ms: 1000 });
  });

  it('an error envelope with a request_id is reported with it (the request settles by that id)', () => {
    const { effects } = drive([...OPEN, error(4001, { request_id: 'r1' })]);
    expect(reported(effects)[0]).toMatchObject({ code: 4001, requestId: 'r1' });
  });
});

describe('machine: browser life', () => {
  const down = [...OPEN, closed(1006), delay(1000)];

  it('offline holds the retry; online retries at once', () => {
    let { state, effects } = drive([...down, { type: 'offline' }], { online: false });
    expect(effects).toContainEqual({ type: 'clear', timers: ['retry'] });
    expect(state.snapshot).toMatchObject({ nextRetryAt: null });
    ({ state, effects } = drive([{ type: 'online' }], {}, state));
    expect(types(effects)).toContain('connect');
  });

  it('online with the socket open sends a probe instead', () => {
    expect(drive([...OPEN, { type: 'online' }]).effects).toEqual([{ type: 'probe' }]);
  });

  it('a heartbeat timeout while offline says offline, not connection lost', () => {
    const { effects } = drive([...OPEN, { type: 'dead', attempt: 0, ms: 5 }, delay(10)], {
      online: false,
    });
    expect(reported(effects)[0]?.code).toBe('offline');
  });

  it('a frozen page closes cleanly and waits; restored reconnects', () => {
    let { state, effects } = drive([...OPEN, { type: 'frozen' }]);
    expect(effects[0]).toEqual({
      type: 'abandon',
      code: 1000,
      reason: 'page frozen',
      dead: false,
      stop: false,
    });
    expect(state.snapshot).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    ({ state, effects } = drive([{ type: 'restored' }], {}, state));
    expect(types(effects)).toContain('connect');
  });

  it('browser events are ignored once closed (nothing watched)', () => {
    const { effects } = drive([...OPEN, { type: 'close' }, { type: 'online' }]);
    expect(effects).toEqual([]);
  });
});

describe('machine: stopping', () => {
  it('close() stops everything and settles all work; later events of the old attempt do nothing', () => {
    const { state, effects } = drive([...OPEN, { type: 'close', code: 1000, reason: 'bye' }]);
    expect(state.snapshot.status).toBe('closed');
    expect(effects[0]).toEqual({
      type: 'abandon',
      code: 1000,
      reason: 'bye',
      dead: false,
      stop: true,
    });
    expect(types(effects)).toEqual(expect.arrayContaining(['halt', 'settle']));
    const old = {
      type: 'closed',
      attempt: state.attempt - 1,
      code: 1006,
      reason: '',
      wasClean: false,
    } as const;
    expect(step(state, old, nowOf({}), config).effects).toEqual([]);
    expect(step(state, { type: 'retry' }, nowOf({}), config).effects).toEqual([]);
  });

  it('reconnect() of a live socket settles its wire and starts over at attempt 0, keeping sends for the next', () => {
    const { state, effects } = drive([
      ...OPEN,
      closed(1006),
      delay(10),
      { type: 'retry' },
      opening,
      opened,
      { type: 'reconnect' },
    ]);
    expect(effects[0]).toMatchObject({ type: 'abandon', stop: false });
    expect(effects).toContainEqual(expect.objectContaining({ type: 'lost' }));
    expect(state.snapshot).toMatchObject({ status: 'connecting', attempt: 0 });
    expect(types(effects).at(-1)).toBe('connect');
  });

  it('reconnect() leaves failed and watches again', () => {
    const { state, effects } = drive([...OPEN, closed(1008), { type: 'reconnect' }]);
    expect(state.snapshot.status).toBe('connecting');
    expect(types(effects)).toContain('watch');
  });
});

describe('machine: an extension drops the connection', () => {
  it('an ack timeout leaves the link (its sends go again) and retries', () => {
    const { state, effects } = drive([
      ...OPEN,
      { type: 'drop', attempt: 0, fault: ACK_TIMEOUT, dead: true },
      delay(10),
    ]);
    expect(reported(effects)[0]?.code).toBe('ack_timeout');
    expect(state.snapshot.status).toBe('reconnecting');
    const first = drive([...OPEN, { type: 'drop', attempt: 0, fault: ACK_TIMEOUT, dead: true }]);
    expect(first.effects[0]).toMatchObject({ type: 'abandon', dead: true, stop: false });
  });
});

describe('machine: the fault policy, one row per decision', () => {
  interface Context {
    handshake?: boolean;
    failures?: number;
    online?: boolean;
    authFailed?: boolean;
    canRefresh?: boolean;
  }
  interface Decision {
    do: 'fail' | 'retry';
    code: Fault['code'];
    severity?: 'fatal' | 'recoverable';
    refresh?: boolean;
    immediate?: boolean;
    failures?: number;
    authFailed?: boolean;
  }
  const closeFault = (code: number) =>
    classify(
      { source: 'close', code, reason: '', wasClean: true, requested: false },
      { id: 'x', now: 0 },
    );
  const transport = (code: 'connect_timeout' | 'heartbeat_timeout' | 'offline') =>
    classify({ source: 'transport', code, cause: code }, { id: 'x', now: 0 });
  const merged4003 = {
    ...classify({ source: 'envelope', code: 4003, message: 'm' }, { id: 'x', now: 0 }),
    kind: 'connection' as const,
    severity: 'fatal' as const,
    action: 'reauthenticate' as const,
  };
  const rows: Array<[name: string, fault: Fault, context: Context, expected: Decision]> = [
    [
      'a drop (1006) after open retries with backoff',
      closeFault(1006),
      {},
      { do: 'retry', code: 1006, immediate: false },
    ],
    ['a restart (1012) retries', closeFault(1012), {}, { do: 'retry', code: 1012 }],
    [
      'overload (1013) retries (backoff is the mechanism)',
      closeFault(1013),
      {},
      { do: 'retry', code: 1013 },
    ],
    ['a policy close (1008) fails', closeFault(1008), {}, { do: 'fail', code: 1008 }],
    ['a protocol error (1002) fails', closeFault(1002), {}, { do: 'fail', code: 1002 }],
    [
      '4003 without a refresher fails (auth redirect)',
      closeFault(4003),
      {},
      { do: 'fail', code: 4003, severity: 'fatal' },
    ],
    [
      '4003 with a refresher: refresh, then retry at once, and the next auth failure is final',
      closeFault(4003),
      { canRefresh: true },
      {
        do: 'retry',
        code: 4003,
        severity: 'recoverable',
        refresh: true,
        immediate: true,
        authFailed: true,
      },
    ],
    [
      'a second 4003 in a row fails even with a refresher',
      closeFault(4003),
      { canRefresh: true, authFailed: true },
      { do: 'fail', code: 4003 },
    ],
    [
      '3000 with a refresher refreshes too',
      closeFault(3000),
      { canRefresh: true },
      { do: 'retry', code: 3000, refresh: true, authFailed: true },
    ],
    [
      'a handshake failure below the limit counts and retries',
      closeFault(1006),
      { handshake: true, failures: 1 },
      { do: 'retry', code: 1006, failures: 2 },
    ],
    [
      'the last handshake failure allowed says unreachable',
      closeFault(1006),
      { handshake: true, failures: 2 },
      { do: 'retry', code: 'unreachable', failures: 3, refresh: false },
    ],
    [
      'unreachable with a refresher: refresh once, then at once',
      transport('connect_timeout'),
      { handshake: true, failures: 2, canRefresh: true },
      { do: 'retry', code: 'unreachable', refresh: true, immediate: true },
    ],
    [
      'past the limit it stays unreachable without another refresh',
      closeFault(1006),
      { handshake: true, failures: 3, canRefresh: true },
      { do: 'retry', code: 'unreachable', refresh: false, failures: 4 },
    ],
    [
      'a fatal close during the handshake is not a handshake failure',
      closeFault(1008),
      { handshake: true, failures: 2 },
      { do: 'fail', code: 1008, failures: 2 },
    ],
    [
      'a drop while offline says offline',
      closeFault(1006),
      { online: false },
      { do: 'retry', code: 'offline' },
    ],
    [
      'a connect timeout while offline says offline',
      transport('connect_timeout'),
      { online: false, handshake: true },
      { do: 'retry', code: 'offline' },
    ],
    [
      'an offline fault stays itself',
      transport('offline'),
      { online: false },
      { do: 'retry', code: 'offline' },
    ],
    [
      'a fatal close while offline still fails',
      closeFault(1008),
      { online: false },
      { do: 'fail', code: 1008 },
    ],
    [
      'a heartbeat timeout retries',
      transport('heartbeat_timeout'),
      {},
      { do: 'retry', code: 'heartbeat_timeout' },
    ],
    [
      'error 4003 merged with close 1008 stays reauthenticate: refresh with a refresher',
      merged4003,
      { canRefresh: true },
      { do: 'retry', code: 4003, refresh: true, authFailed: true },
    ],
  ];

  /**
   * The fault ends a link that opened (as an extension's drop), or (handshake) an attempt that
   * never opened (as its close, or its connect timeout); the machine's counters come from the
   * context. A retry's backoff is answered at once.
   */
  it.each(rows)('%s', (_name, fault, context, expected) => {
    const cfg = { ...config, canRefresh: context.canRefresh ?? false };
    const base = context.handshake ? AT.opening : AT.open;
    const from: State = {
      ...base,
      failures: context.failures ?? 0,
      authFailed: context.authFailed ?? false,
    };
    const now = nowOf({ online: context.online ?? true });
    const attempt = from.attempt;
    const event: Event = !context.handshake
      ? { type: 'drop', attempt, fault, dead: true }
      : fault.source === 'close'
        ? { type: 'closed', attempt, code: fault.code, reason: '', wasClean: true }
        : { type: 'connect-timeout' };
    let { state, effects } = step(from, event, now, cfg);
    const asked = effects.some((e) => e.type === 'backoff');
    if (asked) {
      const answered = step(state, { ...delay(100), attempt: state.attempt } as Event, now, cfg);
      state = answered.state;
      effects = [...effects, ...answered.effects];
    }
    const made = reported(effects)[0];
    const phase = expected.do === 'fail' ? 'failed' : expected.refresh ? 'refreshing' : 'waiting';
    expect(state.phase.name).toBe(phase);
    expect(made?.code).toBe(expected.code);
    if (expected.severity !== undefined) expect(made?.severity).toBe(expected.severity);
    if (expected.refresh !== undefined)
      expect(types(effects).includes('refresh')).toBe(expected.refresh);
    if (expected.immediate !== undefined) expect(!asked).toBe(expected.immediate);
    if (expected.failures !== undefined) expect(state.failures).toBe(expected.failures);
    expect(state.authFailed).toBe(expected.authFailed ?? context.authFailed ?? false);
  });
});
