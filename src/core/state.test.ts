import { describe, expect, it } from 'vitest';
import type { Fault } from '../protocol/fault.js';
import { INITIAL_SNAPSHOT, type SocketEvent, transition } from './state.js';
import type { SocketSnapshot } from './types.js';

const fault = (severity: 'recoverable' | 'fatal' = 'recoverable'): Fault => ({
  id: 'f1',
  source: 'close',
  kind: 'transport',
  code: 1006,
  message: 'Connection lost',
  severity,
  action: severity === 'fatal' ? 'stop' : 'reconnect',
  timestamp: 0,
  detail: {},
});

/** Runs events from the initial snapshot. */
const run = (...events: SocketEvent[]) => events.reduce(transition, INITIAL_SNAPSHOT);
const f = fault();
const open = run({ type: 'attempt' }, { type: 'open', at: 10 });
const reconnecting = transition(open, { type: 'drop', fault: f, retryAt: 500 });
const failed = transition(open, { type: 'fail', fault: fault('fatal') });
const closed = transition(open, { type: 'close' });

describe('transition', () => {
  it.each<[string, SocketSnapshot, SocketEvent, Partial<SocketSnapshot> & { status: string }]>([
    [
      'idle → connecting on attempt',
      INITIAL_SNAPSHOT,
      { type: 'attempt' },
      { status: 'connecting', attempt: 0 },
    ],
    [
      'connecting → open, with the time it opened',
      run({ type: 'attempt' }),
      { type: 'open', at: 10 },
      { status: 'open', openedAt: 10 } as never,
    ],
    [
      'open → reconnecting on a drop, attempt + 1 and the fault kept',
      open,
      { type: 'drop', fault: f, retryAt: 500 },
      { status: 'reconnecting', attempt: 1, lastFault: f, nextRetryAt: 500 } as never,
    ],
    [
      'connecting → reconnecting on a drop (handshake failed)',
      run({ type: 'attempt' }),
      { type: 'drop', fault: f, retryAt: 9 },
      { status: 'reconnecting', attempt: 1 },
    ],
    [
      'reconnecting → connecting keeps the attempt',
      reconnecting,
      { type: 'attempt' },
      { status: 'connecting', attempt: 1 },
    ],
    [
      'reconnecting: schedule moves the next retry (null = paused)',
      reconnecting,
      { type: 'schedule', retryAt: null },
      { status: 'reconnecting', nextRetryAt: null } as never,
    ],
    [
      'open → failed on a fatal fault',
      open,
      { type: 'fail', fault: fault('fatal') },
      { status: 'failed' },
    ],
    [
      'reconnecting → failed on a fatal fault',
      reconnecting,
      { type: 'fail', fault: fault('fatal') },
      { status: 'failed' },
    ],
    ['open → closed', open, { type: 'close' }, { status: 'closed' }],
    [
      'failed → connecting starts over at attempt 0',
      failed,
      { type: 'attempt' },
      { status: 'connecting', attempt: 0 },
    ],
    [
      'closed → connecting starts over',
      closed,
      { type: 'attempt' },
      { status: 'connecting', attempt: 0 },
    ],
    [
      'open → connecting on attempt (reconnect() of a live socket)',
      open,
      { type: 'attempt' },
      { status: 'connecting' },
    ],
    [
      'reconnecting: lost sets the flag',
      reconnecting,
      { type: 'lost' },
      { status: 'reconnecting', lost: true },
    ],
    [
      'reconnecting: suspend sets the flag',
      reconnecting,
      { type: 'suspend' },
      { status: 'reconnecting', suspended: true },
    ],
    [
      'reset zeroes the attempt',
      reconnecting,
      { type: 'reset' },
      { status: 'reconnecting', attempt: 0 },
    ],
  ])('%s', (_, from, event, expected) => {
    expect(transition(from, event)).toMatchObject(expected);
  });

  it.each<[string, SocketSnapshot, SocketEvent]>([
    ['open while not connecting', INITIAL_SNAPSHOT, { type: 'open', at: 1 }],
    ['open while reconnecting', reconnecting, { type: 'open', at: 1 }],
    ['attempt while connecting', run({ type: 'attempt' }), { type: 'attempt' }],
    ['drop while idle', INITIAL_SNAPSHOT, { type: 'drop', fault: f, retryAt: 1 }],
    ['drop while failed', failed, { type: 'drop', fault: f, retryAt: 1 }],
    ['drop while closed', closed, { type: 'drop', fault: f, retryAt: 1 }],
    ['schedule while open', open, { type: 'schedule', retryAt: 5 }],
    ['schedule to the same time', reconnecting, { type: 'schedule', retryAt: 500 }],
    ['fail while closed (close wins)', closed, { type: 'fail', fault: fault('fatal') }],
    ['close twice', closed, { type: 'close' }],
    ['lost while open', open, { type: 'lost' }],
    ['suspend while open', open, { type: 'suspend' }],
    ['stable at attempt 0', open, { type: 'stable' }],
    ['reset at attempt 0', open, { type: 'reset' }],
  ])('ignores %s: the very same snapshot object comes back', (_, from, event) => {
    expect(transition(from, event)).toBe(from);
  });

  it('stable resets the attempt counter only while open', () => {
    const flapped = run(
      { type: 'attempt' },
      { type: 'drop', fault: f, retryAt: 1 },
      { type: 'attempt' },
      { type: 'open', at: 2 },
    );
    expect(flapped.attempt).toBe(1);
    expect(transition(flapped, { type: 'stable' }).attempt).toBe(0);
    expect(transition(reconnecting, { type: 'stable' })).toBe(reconnecting);
  });

  it('opening clears lost and suspended; a fresh start clears them too', () => {
    const down = run({ type: 'attempt' }, { type: 'lost' }, { type: 'suspend' });
    expect(down).toMatchObject({ lost: true, suspended: true });
    expect(transition(down, { type: 'open', at: 3 })).toMatchObject({
      lost: false,
      suspended: false,
    });
    const failedDown = transition(down, { type: 'fail', fault: fault('fatal') });
    expect(transition(failedDown, { type: 'attempt' })).toMatchObject({
      lost: false,
      suspended: false,
    });
  });

  it('every snapshot is frozen, and state-specific fields do not leak across states', () => {
    expect(Object.isFrozen(reconnecting)).toBe(true);
    const connecting = transition(reconnecting, { type: 'attempt' });
    expect('nextRetryAt' in connecting).toBe(false);
    expect('fault' in transition(failed, { type: 'attempt' })).toBe(false);
    expect('openedAt' in reconnecting).toBe(false);
  });
});
