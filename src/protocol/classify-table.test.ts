/** SPEC.md section 2, the default classification table: one row per code and source. */
import { describe, expect, it } from 'vitest';
import { classify, type FaultInput } from './classify.js';
import type { FaultAction, FaultKind, FaultSeverity } from './fault.js';

const envelope = (code: number): FaultInput => ({ source: 'envelope', code, message: 'm' });
const close = (code: number, requested = false): FaultInput => ({
  source: 'close',
  code,
  reason: '',
  wasClean: true,
  requested,
});

const rows: Array<[string, FaultInput, FaultKind, FaultSeverity, FaultAction]> = [
  ['envelope 4000', envelope(4000), 'application', 'recoverable', 'none'],
  ['envelope 4001', envelope(4001), 'application', 'recoverable', 'none'],
  ['envelope 4002', envelope(4002), 'application', 'recoverable', 'none'],
  ['envelope 4003', envelope(4003), 'application', 'fatal', 'reauthenticate'],
  ['envelope 4004', envelope(4004), 'application', 'fatal', 'none'],
  ['envelope 4005', envelope(4005), 'application', 'recoverable', 'backoff'],
  ['envelope 5000', envelope(5000), 'application', 'recoverable', 'none'],
  ['envelope other (4006)', envelope(4006), 'application', 'recoverable', 'none'],
  ['envelope other (1)', envelope(1), 'application', 'recoverable', 'none'],
  ['envelope other (NaN)', envelope(Number.NaN), 'application', 'recoverable', 'none'],
  ['close 1000 not requested', close(1000), 'connection', 'recoverable', 'reconnect'],
  ['close 1000 requested', close(1000, true), 'connection', 'recoverable', 'none'],
  ['close 4004 requested', close(4004, true), 'connection', 'recoverable', 'none'],
  ['close 5000 requested', close(5000, true), 'connection', 'recoverable', 'none'],
  ['close 1001', close(1001), 'transport', 'recoverable', 'reconnect'],
  ['close 1002', close(1002), 'connection', 'fatal', 'stop'],
  ['close 1003', close(1003), 'connection', 'fatal', 'stop'],
  ['close 1004 (reserved, never sent)', close(1004), 'connection', 'recoverable', 'reconnect'],
  ['close 1005', close(1005), 'transport', 'recoverable', 'reconnect'],
  ['close 1006', close(1006), 'transport', 'recoverable', 'reconnect'],
  ['close 1007', close(1007), 'connection', 'fatal', 'stop'],
  ['close 1008', close(1008), 'connection', 'fatal', 'stop'],
  ['close 1009', close(1009), 'connection', 'fatal', 'stop'],
  ['close 1010', close(1010), 'connection', 'fatal', 'stop'],
  ['close 1011', close(1011), 'connection', 'recoverable', 'reconnect'],
  ['close 1012', close(1012), 'transport', 'recoverable', 'reconnect'],
  ['close 1013', close(1013), 'transport', 'recoverable', 'backoff'],
  ['close 1014', close(1014), 'transport', 'recoverable', 'reconnect'],
  ['close 1015', close(1015), 'connection', 'fatal', 'stop'],
  ['close 1016 (unassigned)', close(1016), 'connection', 'recoverable', 'reconnect'],
  ['close 2999 (extensions)', close(2999), 'connection', 'recoverable', 'reconnect'],
  ['close 3000', close(3000), 'connection', 'fatal', 'reauthenticate'],
  ['close 3001 (other registered)', close(3001), 'connection', 'recoverable', 'reconnect'],
  ['close 3003', close(3003), 'connection', 'fatal', 'stop'],
  ['close 3008 (registered timeout)', close(3008), 'connection', 'recoverable', 'reconnect'],
  ['close 3999 (other registered)', close(3999), 'connection', 'recoverable', 'reconnect'],
  ['close 4000', close(4000), 'connection', 'fatal', 'stop'],
  ['close 4001', close(4001), 'connection', 'fatal', 'stop'],
  ['close 4002', close(4002), 'connection', 'fatal', 'stop'],
  ['close 4003', close(4003), 'connection', 'fatal', 'reauthenticate'],
  ['close 4004', close(4004), 'connection', 'fatal', 'stop'],
  ['close 4005', close(4005), 'connection', 'recoverable', 'backoff'],
  ['close 4006 (other private)', close(4006), 'connection', 'recoverable', 'reconnect'],
  ['close 4500 (other private)', close(4500), 'connection', 'recoverable', 'reconnect'],
  ['close 4999 (other private)', close(4999), 'connection', 'recoverable', 'reconnect'],
  ['close 5000 (invalid)', close(5000), 'transport', 'recoverable', 'reconnect'],
  ['close 999 (invalid)', close(999), 'transport', 'recoverable', 'reconnect'],
  ['close 0 (invalid)', close(0), 'transport', 'recoverable', 'reconnect'],
  ['close -1 (invalid)', close(-1), 'transport', 'recoverable', 'reconnect'],
  ['close NaN (invalid)', close(Number.NaN), 'transport', 'recoverable', 'reconnect'],
  ['close 1.5 (invalid)', close(1.5), 'transport', 'recoverable', 'reconnect'],
  ['close 1008.5 (invalid)', close(1008.5), 'transport', 'recoverable', 'reconnect'],
  ['close 65536 (invalid)', close(65536), 'transport', 'recoverable', 'reconnect'],
  ...(
    ['connect_timeout', 'heartbeat_timeout', 'network_lost', 'offline', 'unreachable'] as const
  ).map((code): [string, FaultInput, FaultKind, FaultSeverity, FaultAction] => [
    `transport ${code}`,
    { source: 'transport', code },
    'transport',
    'recoverable',
    'reconnect',
  ]),
  ...(
    [
      'invalid_frame',
      'invalid_envelope',
      'request_timeout',
      'request_aborted',
      'connection_closed',
      'queue_overflow',
      'handler_error',
    ] as const
  ).map((code): [string, FaultInput, FaultKind, FaultSeverity, FaultAction] => [
    `client ${code}`,
    { source: 'client', code },
    'application',
    'recoverable',
    'none',
  ]),
  // The socket's own setup failed: the same setup fails again, so no retry.
  [
    'client no_websocket',
    { source: 'client', code: 'no_websocket' },
    'connection',
    'fatal',
    'stop',
  ],
  ['client invalid_url', { source: 'client', code: 'invalid_url' }, 'connection', 'fatal', 'stop'],
  [
    'client unauthorized',
    { source: 'client', code: 'unauthorized' },
    'connection',
    'fatal',
    'reauthenticate',
  ],
];

describe('classify: the default table of SPEC.md section 2', () => {
  it.each(rows)('%s is %s, %s, %s', (_, input, kind, severity, action) => {
    const fault = classify(input, { id: 'f1', now: 42 });
    expect({ kind: fault.kind, severity: fault.severity, action: fault.action }).toEqual({
      kind,
      severity,
      action,
    });
    expect(fault).toMatchObject({ id: 'f1', timestamp: 42, source: input.source });
    expect(Object.is(fault.code, input.code)).toBe(true);
    expect(fault.message.length).toBeGreaterThan(0);
  });
});
