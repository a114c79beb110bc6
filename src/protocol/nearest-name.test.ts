import { describe, expect, it } from 'vitest';
import { nearestName } from './nearest-name.js';

describe('nearestName: the "did you mean" of every option check', () => {
  it.each([
    ['heartBeat', ['heartbeat', 'backoff'], 'heartbeat'],
    ['timeout', ['timeoutMs', 'signal', 'reply'], 'timeoutMs'],
    ['maxResend', ['helloTimeoutMs', 'ackTimeoutMs', 'maxResends'], 'maxResends'],
    ['ackDelay', ['sessionTtlMs', 'ackDelayMs'], 'ackDelayMs'],
    ['x', [], ''],
  ] as const)('%s among %j is %s', (name, known, expected) => {
    expect(nearestName(name, known)).toBe(expected);
  });
});
