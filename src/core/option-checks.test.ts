import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkGiven, checkValue, rejectUnknownKeys } from './option-checks.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const known = ['intervalMs', 'timeoutMs'];

describe('option errors in development', () => {
  it('name the unknown key, the nearest known one and every known one', () => {
    expect(() => rejectUnknownKeys('heartbeat', { intervalMS: 1 }, known)).toThrow(
      'sockguard: unknown option heartbeat.intervalMS. Did you mean intervalMs? Known: intervalMs, timeoutMs',
    );
  });

  it('name the option, what it accepts and the value', () => {
    expect(() => checkValue('heartbeat.intervalMs', 0, { kind: 'ms', min: 1 })).toThrow(
      'sockguard: heartbeat.intervalMs must be a number from 1 to 2147483647 (milliseconds); got 0',
    );
  });
});

describe('option errors in production (NODE_ENV=production), without the development prose', () => {
  it('still name the unknown key and the known ones, without the nearest one', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => rejectUnknownKeys('heartbeat', { intervalMS: 1 }, known)).toThrow(
      new TypeError('sockguard: unknown option heartbeat.intervalMS. Known: intervalMs, timeoutMs'),
    );
  });

  it('still name the option and the value, without the accepted range', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => checkValue('heartbeat.intervalMs', 0, { kind: 'ms', min: 1 })).toThrow(
      new RangeError('sockguard: heartbeat.intervalMs is invalid; got 0'),
    );
    expect(() =>
      checkGiven('request', { signal: 'abort' }, { signal: { kind: 'signal' } }),
    ).toThrow(new RangeError('sockguard: request.signal is invalid; got "abort"'));
  });

  it('accept the same values as in development', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() =>
      checkValue('lostAfterMs', Number.POSITIVE_INFINITY, { kind: 'ms', min: 0, never: true }),
    ).not.toThrow();
    expect(() => checkValue('maxQueue', 1.5, { kind: 'count', min: 0 })).toThrow(
      /maxQueue is invalid/,
    );
  });
});

describe('option errors without `process` (a browser without a bundler)', () => {
  it('count as development: the nearest key and the accepted range are named, nothing else throws', () => {
    const saved = globalThis.process;
    try {
      Reflect.set(globalThis, 'process', undefined);
      expect(() => rejectUnknownKeys('', { heartBeat: {} }, ['heartbeat'])).toThrow(
        /unknown option heartBeat\. Did you mean heartbeat\?/,
      );
      expect(() => checkValue('maxQueue', -1, { kind: 'count', min: 0 })).toThrow(
        /maxQueue must be an integer from 0/,
      );
    } finally {
      Reflect.set(globalThis, 'process', saved);
    }
  });
});
