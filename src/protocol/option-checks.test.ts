/**
 * The one option checker (its callers run it in development builds only; called without that
 * guard, its errors in production carry a stable code),
 * the option's name and the value, development errors say the same in prose with what is accepted
 * and the nearest known key.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkGiven, checkOptions, checkValue, type Rule, refuse } from './option-checks.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const known = { intervalMs: { kind: 'ms', min: 1 }, timeoutMs: { kind: 'ms', min: 1 } } as const;

describe('option errors in development', () => {
  it('name the unknown key, the nearest known one and every known one', () => {
    expect(() => checkGiven('heartbeat', { intervalMS: 1 }, known)).toThrow(
      new TypeError(
        'sockguard: unknown option heartbeat.intervalMS. Did you mean intervalMs? Known: intervalMs, timeoutMs',
      ),
    );
  });

  it('name the option, what it accepts and the value', () => {
    expect(() => checkValue('heartbeat.intervalMs', 0, { kind: 'ms', min: 1 })).toThrow(
      new RangeError(
        'sockguard: heartbeat.intervalMs must be a number from 1 to 2147483647 (milliseconds); got 0',
      ),
    );
  });

  it('say that options must be an object', () => {
    expect(() => checkGiven('request', 5, known)).toThrow(
      new TypeError('sockguard: request must be an object; got 5'),
    );
  });
});

describe('option errors in production (NODE_ENV=production): the code, the name and the value', () => {
  it.each<[string, () => void, Error]>([
    [
      'an unknown key',
      () => checkGiven('heartbeat', { intervalMS: 1 }, known),
      new TypeError('sockguard: E_UNKNOWN_OPTION heartbeat.intervalMS (got 1)'),
    ],
    [
      'a value out of range',
      () => checkValue('heartbeat.intervalMs', 0, { kind: 'ms', min: 1 }),
      new RangeError('sockguard: E_OPTION heartbeat.intervalMs (got 0)'),
    ],
    [
      'a value of the wrong kind (a string is quoted)',
      () => checkGiven('request', { signal: 'abort' }, { signal: { kind: 'signal' } }),
      new RangeError('sockguard: E_OPTION request.signal (got "abort")'),
    ],
    [
      'a function where a number goes (not its source)',
      () => checkValue('maxQueue', () => 1, { kind: 'count', min: 0 }),
      new RangeError('sockguard: E_OPTION maxQueue (got a function)'),
    ],
    [
      'options that are not an object',
      () => checkGiven('heartbeat', null, known),
      new TypeError('sockguard: E_OPTIONS heartbeat (got null)'),
    ],
    [
      'top-level options that are not an object',
      () => checkGiven('', 'wss://x', known),
      new TypeError('sockguard: E_OPTIONS options (got "wss://x")'),
    ],
    [
      'a nested value, named by its path',
      () =>
        checkGiven(
          '',
          { parse: { maxDepth: 0 } },
          { parse: { kind: 'object', rules: { maxDepth: { kind: 'count', min: 1 } } } },
        ),
      new RangeError('sockguard: E_OPTION parse.maxDepth (got 0)'),
    ],
  ])('%s', (_what, check, error) => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(check).toThrow(error);
  });

  it('accept the same values as in development', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() =>
      checkValue('lostAfterMs', Number.POSITIVE_INFINITY, { kind: 'ms', min: 0, never: true }),
    ).not.toThrow();
    expect(() => checkValue('maxQueue', 1.5, { kind: 'count', min: 0 })).toThrow(
      /E_OPTION maxQueue \(got 1\.5\)/,
    );
  });

  it('refuse() throws the same coded errors for checks the tables cannot say', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => refuse('E_OPTION', 'tabs', true, { kind: 'other' })).toThrow(
      new RangeError('sockguard: E_OPTION tabs (got true)'),
    );
  });
});

describe('option errors without `process` (a browser without a bundler)', () => {
  it('count as development: the nearest key and the accepted range are named, nothing else throws', () => {
    const saved = globalThis.process;
    try {
      Reflect.set(globalThis, 'process', undefined);
      expect(() => checkGiven('', { heartBeat: {} }, { heartbeat: { kind: 'other' } })).toThrow(
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

/** Each rule kind: values it takes and values it refuses, in both builds. */
const table: Array<[rule: Rule, accepted: unknown[], refused: unknown[]]> = [
  [
    { kind: 'ms', min: 1 },
    [1, 0.5 + 1, 2 ** 31 - 1],
    [0, -1, Number.NaN, 2 ** 31, Number.POSITIVE_INFINITY, '5', null, true],
  ],
  [{ kind: 'ms', min: 0, max: 10 }, [0, 10], [11, -1]],
  [{ kind: 'ms', min: 0, never: true }, [0, Number.POSITIVE_INFINITY], [-1, Number.NaN]],
  [
    { kind: 'count', min: 0 },
    [0, 3, Number.MAX_SAFE_INTEGER],
    [1.5, -1, Number.MAX_SAFE_INTEGER + 1, Number.POSITIVE_INFINITY, Number.NaN, '3'],
  ],
  [{ kind: 'count', min: 1, never: true }, [1, Number.POSITIVE_INFINITY], [0, 1.5]],
  [{ kind: 'number', min: 1 }, [1, 1.5, 1e12], [0.5, Number.NaN, Number.POSITIVE_INFINITY, null]],
  [
    { kind: 'number', min: 0, never: true, nullable: true },
    [0, Number.POSITIVE_INFINITY, null],
    [-1, Number.NaN, Number.NEGATIVE_INFINITY],
  ],
  [{ kind: 'text' }, ['ping'], ['', 1, null]],
  [{ kind: 'boolean' }, [true, false], ['yes', 1, null]],
  [{ kind: 'function' }, [() => 0], [0.5, {}]],
  [{ kind: 'oneOf', values: ['full', 'none'] }, ['full', 'none'], ['half', '', null]],
  [
    { kind: 'signal' },
    [new AbortController().signal, Object.assign(new EventTarget(), { aborted: false })],
    [{}, { aborted: false }, 'abort'],
  ],
  [
    { kind: 'schema' },
    [{ '~standard': { validate: () => ({ value: 1 }) } }],
    [{}, { '~standard': {} }, null],
  ],
  [{ kind: 'url' }, ['wss://x', new URL('wss://x'), () => 'wss://x'], [undefined, 42, null, {}]],
  [{ kind: 'protocols' }, ['v1', ['v1'], () => 'v1', null, undefined], [42, {}, true]],
  [{ kind: 'other' }, [0, null, {}], []],
];

describe.each(['development', 'production'])('every rule kind (%s)', (build) => {
  it.each(table)('%o', (rule, accepted, refused) => {
    if (build === 'production') vi.stubEnv('NODE_ENV', 'production');
    for (const value of accepted) expect(() => checkValue('x', value, rule)).not.toThrow();
    for (const value of refused) expect(() => checkValue('x', value, rule)).toThrow(RangeError);
  });
});

describe('checkGiven and checkOptions', () => {
  it('pass undefined options and keys given as undefined; refuse inherited names as unknown', () => {
    expect(() => checkGiven('x', undefined, known)).not.toThrow();
    expect(() => checkGiven('x', { intervalMs: undefined }, known)).not.toThrow();
    expect(() => checkGiven('x', { constructor: 1 }, known)).toThrow(
      /unknown option x\.constructor/,
    );
  });

  it('checkOptions fills in the default of a key given as undefined', () => {
    const defaults = { intervalMs: 10, timeoutMs: 20 };
    expect(checkOptions('x', { intervalMs: undefined, timeoutMs: 5 }, known, defaults)).toEqual({
      intervalMs: 10,
      timeoutMs: 5,
    });
  });
});
