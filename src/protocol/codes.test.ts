import { describe, expect, it } from 'vitest';
import { classify } from './classify.js';
import { APP_ERROR_CODES, CLOSE_CODES, describeCloseCode } from './codes.js';

const context = { id: 'f', now: 0 };

describe('APP_ERROR_CODES', () => {
  it('lists exactly the app codes of SPEC.md section 1, each with meaning and typical cause', () => {
    expect(Object.keys(APP_ERROR_CODES).map(Number)).toEqual([
      4000, 4001, 4002, 4003, 4004, 4005, 5000,
    ]);
    for (const info of Object.values(APP_ERROR_CODES)) {
      expect(info.meaning.length).toBeGreaterThan(0);
      expect(info.cause.length).toBeGreaterThan(0);
    }
    expect(APP_ERROR_CODES[4003]?.name).toBe('unauthorized');
  });

  it('gives each app code the severity and action classify gives its error envelope', () => {
    for (const [code, info] of Object.entries(APP_ERROR_CODES)) {
      const fault = classify({ source: 'envelope', code: Number(code), message: '' }, context);
      expect([info.severity, info.action, info.kind], code).toEqual([
        fault.severity,
        fault.action,
        fault.kind,
      ]);
    }
  });
});

describe('CLOSE_CODES', () => {
  it('lists RFC 6455 1000-1015, IANA 3000/3003/3008 and our 4000-4005', () => {
    const expected = [
      ...Array.from({ length: 16 }, (_, i) => 1000 + i),
      3000,
      3003,
      3008,
      ...Array.from({ length: 6 }, (_, i) => 4000 + i),
    ];
    expect(Object.keys(CLOSE_CODES).map(Number)).toEqual(expected);
  });

  it('gives each close code the classification of a close the client did not ask for', () => {
    for (const [code, info] of Object.entries(CLOSE_CODES)) {
      const input = { source: 'close', code: Number(code), reason: '', wasClean: true } as const;
      const fault = classify({ ...input, requested: false }, context);
      expect([info.severity, info.action, info.kind], code).toEqual([
        fault.severity,
        fault.action,
        fault.kind,
      ]);
    }
  });
});

describe('describeCloseCode', () => {
  it.each([
    [1000, 'Normal Closure'],
    [1004, 'Reserved'],
    [1005, 'No Status Received'],
    [1006, 'Abnormal Closure'],
    [1012, 'Service Restart'],
    [1013, 'Try Again Later'],
    [1014, 'Bad Gateway'],
    [1015, 'TLS Handshake'],
    [3000, 'Unauthorized'],
    [3003, 'Forbidden'],
    [3008, 'Timeout'],
    [4005, 'Rate Limited'],
    [1016, 'reserved'],
    [2999, 'reserved'],
    [3001, 'registered'],
    [3999, 'registered'],
    [4006, 'private'],
    [4999, 'private'],
    [5000, 'invalid close code'],
    [999, 'invalid close code'],
    [0, 'invalid close code'],
    [-1, 'invalid close code'],
    [65536, 'invalid close code'],
    [Number.NaN, 'invalid close code'],
    [1000.5, 'invalid close code'],
  ])('names close code %s "%s"', (code, name) => {
    const described = describeCloseCode(code);
    expect(described.name).toBe(name);
    expect(described.meaning.length).toBeGreaterThan(0);
  });
});
