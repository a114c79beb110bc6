/**
 * The fault policy as a table (SPEC.md sections 2 and 3): for each fault and context, the one
 * decision. No timers, no sockets.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../protocol/classify.js';
import type { Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { decideFault, type FaultContext } from './fault-policy.js';

const make = (input: FaultInput): Fault => classify(input, { id: 'f1', now: 0 });
const close = (code: number) =>
  make({ source: 'close', code, reason: '', wasClean: true, requested: false });
const transport = (code: 'connect_timeout' | 'heartbeat_timeout' | 'network_lost' | 'offline') =>
  make({ source: 'transport', code, cause: code });
const envelope = (code: number) => make({ source: 'envelope', code, message: 'm' });

const base: FaultContext = {
  handshake: false,
  online: true,
  handshakeFailures: 0,
  maxHandshakeFailures: 3,
  authFailed: false,
  canRefresh: false,
};

type Row = [
  name: string,
  fault: Fault,
  context: Partial<FaultContext>,
  expected: {
    do: 'fail' | 'retry';
    code: Fault['code'];
    severity?: 'fatal' | 'recoverable';
    refreshFirst?: boolean;
    immediate?: boolean;
    handshakeFailures?: number;
    authFailed?: boolean;
  },
];

const rows: Row[] = [
  [
    'a drop (1006) after open retries with backoff',
    close(1006),
    {},
    { do: 'retry', code: 1006, immediate: false },
  ],
  ['a restart (1012) retries', close(1012), {}, { do: 'retry', code: 1012 }],
  [
    'overload (1013) retries (backoff is the mechanism)',
    close(1013),
    {},
    { do: 'retry', code: 1013 },
  ],
  ['a policy close (1008) fails', close(1008), {}, { do: 'fail', code: 1008 }],
  ['a protocol error (1002) fails', close(1002), {}, { do: 'fail', code: 1002 }],
  [
    '4003 without a refresher fails (auth redirect)',
    close(4003),
    {},
    { do: 'fail', code: 4003, severity: 'fatal' },
  ],
  [
    '4003 with a refresher: refresh, then retry at once, and the next auth failure is final',
    close(4003),
    { canRefresh: true },
    {
      do: 'retry',
      code: 4003,
      severity: 'recoverable',
      refreshFirst: true,
      immediate: true,
      authFailed: true,
    },
  ],
  [
    'a second 4003 in a row fails even with a refresher',
    close(4003),
    { canRefresh: true, authFailed: true },
    { do: 'fail', code: 4003 },
  ],
  [
    '3000 with a refresher refreshes too',
    close(3000),
    { canRefresh: true },
    { do: 'retry', code: 3000, refreshFirst: true, authFailed: true },
  ],
  [
    'a handshake failure below the limit counts and retries',
    close(1006),
    { handshake: true, handshakeFailures: 1 },
    { do: 'retry', code: 1006, handshakeFailures: 2 },
  ],
  [
    'the last handshake failure allowed says unreachable',
    close(1006),
    { handshake: true, handshakeFailures: 2 },
    { do: 'retry', code: 'unreachable', handshakeFailures: 3, refreshFirst: false },
  ],
  [
    'unreachable with a refresher: refresh once, then at once',
    transport('connect_timeout'),
    { handshake: true, handshakeFailures: 2, canRefresh: true },
    { do: 'retry', code: 'unreachable', refreshFirst: true, immediate: true },
  ],
  [
    'past the limit it stays unreachable without another refresh',
    close(1006),
    { handshake: true, handshakeFailures: 3, canRefresh: true },
    { do: 'retry', code: 'unreachable', refreshFirst: false, handshakeFailures: 4 },
  ],
  [
    'a fatal close during the handshake is not a handshake failure',
    close(1008),
    { handshake: true, handshakeFailures: 2 },
    { do: 'fail', code: 1008, handshakeFailures: 2 },
  ],
  [
    'a drop while offline says offline',
    close(1006),
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
    close(1008),
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
    { ...envelope(4003), kind: 'connection', severity: 'fatal', action: 'reauthenticate' },
    { canRefresh: true },
    { do: 'retry', code: 4003, refreshFirst: true, authFailed: true },
  ],
];

describe('decideFault', () => {
  it.each(rows)('%s', (_name, fault, context, expected) => {
    const { plan, handshakeFailures, authFailed } = decideFault(fault, { ...base, ...context });
    expect(plan.do).toBe(expected.do);
    const decided = 'make' in plan.fault ? plan.fault.make : plan.fault;
    expect(decided.code).toBe(expected.code);
    if (expected.severity !== undefined && !('make' in plan.fault)) {
      expect(plan.fault.severity).toBe(expected.severity);
    }
    if (plan.do === 'retry') {
      if (expected.refreshFirst !== undefined)
        expect(plan.refreshFirst).toBe(expected.refreshFirst);
      if (expected.immediate !== undefined) expect(plan.immediate).toBe(expected.immediate);
    }
    if (expected.handshakeFailures !== undefined)
      expect(handshakeFailures).toBe(expected.handshakeFailures);
    expect(authFailed).toBe(expected.authFailed ?? context.authFailed ?? false);
  });

  it('is pure: the same fault and context give the same decision, and the fault is not changed', () => {
    const fault = close(4003);
    const frozen = JSON.stringify(fault);
    const a = decideFault(fault, { ...base, canRefresh: true });
    const b = decideFault(fault, { ...base, canRefresh: true });
    expect(a).toEqual(b);
    expect(JSON.stringify(fault)).toBe(frozen);
  });
});
