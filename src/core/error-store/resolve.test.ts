/** `resolveConnection(origin)`: which faults an open connection makes untrue, and whose. */
import { describe, expect, it, vi } from 'vitest';
import {
  clientFault,
  closeFault,
  fatalFault,
  fault,
  manualClock,
  transportFault,
} from '../../../test/support/error-store-fixtures.js';
import type { Fault } from '../../protocol/fault.js';
import { createErrorStore } from './error-store.js';
import type { FaultLog, StoredFault } from './types.js';

vi.mock('react', () => {
  throw new Error('react imported');
});

const A = 'socket-a';
const B = 'socket-b';

function setup() {
  const onFault = vi.fn<(fault: StoredFault, log: FaultLog) => void>();
  const store = createErrorStore({ clock: manualClock(), onFault });
  return { store, onFault, state: () => store.getState() };
}

// Each row: a fault, and whether its origin opening again resolves it.
const rows: Array<[name: string, resolved: boolean, fault: () => Fault]> = [
  ['close 1006 (transport, reconnect)', true, () => closeFault()],
  [
    'close 1013 (transport, backoff)',
    true,
    () => closeFault({ code: 1013, action: 'backoff', message: 'The server is busy.' }),
  ],
  ['heartbeat_timeout', true, () => transportFault()],
  [
    'unreachable',
    true,
    () => transportFault({ code: 'unreachable', message: 'The server cannot be reached.' }),
  ],
  [
    'close 1008 (connection, fatal stop)',
    true,
    () => closeFault({ code: 1008, kind: 'connection', severity: 'fatal', action: 'stop' }),
  ],
  [
    '4005 merged with its close 1013 (connection, backoff)',
    true,
    () => fault({ code: 4005, kind: 'connection', action: 'backoff', message: 'slow down' }),
  ],
  [
    '4003 softened for a token refresh (application, recoverable reauthenticate)',
    true,
    () => fault({ code: 4003, action: 'reauthenticate', message: 'token expired' }),
  ],
  ['4001 not found (application)', false, () => fault()],
  [
    '4005 rate limit without a close (application, backoff)',
    false,
    () => fault({ code: 4005, action: 'backoff', message: 'slow down' }),
  ],
  ['4004 forbidden (application, fatal)', false, () => fatalFault({ code: 4004, action: 'none' })],
  [
    'request_timeout',
    false,
    () => clientFault({ code: 'request_timeout', message: 'The request timed out.' }),
  ],
  [
    'connection_closed before a reply',
    false,
    () => clientFault({ code: 'connection_closed', message: 'Connection closed before a reply.' }),
  ],
];

describe('resolveConnection', () => {
  it.each(rows)('%s: resolved on open = %s', (_name, resolved, make) => {
    const { state } = setup();
    const stored = state().report(make(), { origin: A });
    state().resolveConnection(A);
    expect(state().active).toEqual(resolved ? [] : [stored]);
    expect(state().toasts).toHaveLength(resolved ? 0 : 1);
    expect(state().history).toEqual([stored]);
  });

  it('leaves the faults of another origin, and those reported without one', () => {
    const { state } = setup();
    const mine = state().report(closeFault(), { origin: A });
    const theirs = state().report(closeFault(), { origin: B });
    const anonymous = state().report(transportFault());
    expect(state().toasts).toMatchObject([{ count: 3 }]);
    state().resolveConnection(A);
    expect(state().active).toEqual([anonymous, theirs]);
    expect(state().history).toContain(mine);
    expect(state().toasts).toMatchObject([{ count: 2 }]);
  });

  it('records the origin on the entry and hands it to the logger', () => {
    const { state, onFault } = setup();
    const stored = state().report(closeFault(), { origin: A, attempt: 1 });
    expect(stored.origin).toBe(A);
    expect(onFault.mock.calls[0]?.[1]).toEqual({ origin: A, attempt: 1, count: 1 });
    expect(state().report(fault())).not.toHaveProperty('origin');
  });

  it('never merges repeats from two origins into one record', () => {
    const { state } = setup();
    state().report(closeFault(), { origin: A });
    state().report(closeFault(), { origin: B });
    state().report(closeFault(), { origin: A });
    expect(state().history.map((f) => [f.origin, f.count])).toEqual([
      [A, 2],
      [B, 1],
    ]);
  });

  it('notifies nobody when the origin has nothing to resolve', () => {
    const { store, state } = setup();
    state().report(fault(), { origin: A });
    state().report(closeFault(), { origin: B });
    const listener = vi.fn();
    store.subscribe(listener);
    state().resolveConnection(A);
    state().resolveConnection('unknown');
    expect(listener).not.toHaveBeenCalled();
  });
});
