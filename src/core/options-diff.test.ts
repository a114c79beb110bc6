import { describe, expect, it } from 'vitest';
import { isDevelopment } from './dev.js';
import { differingOptions } from './options-diff.js';

const store = { getState: () => 1 };

describe('differingOptions', () => {
  it.each([
    ['equal primitives', { a: 1, b: 'x' }, { a: 1, b: 'x' }, []],
    ['a changed primitive', { a: 1 }, { a: 2 }, ['a']],
    ['a missing key against undefined', { a: undefined }, {}, []],
    ['an added key', {}, { a: 0 }, ['a']],
    ['inline objects with equal fields', { h: { i: 1 } }, { h: { i: 1 } }, []],
    ['nested objects that differ', { h: { i: 1 } }, { h: { i: 2 } }, ['h']],
    ['equal arrays', { p: ['v1'] }, { p: ['v1'] }, []],
    ['arrays of another length', { p: ['v1'] }, { p: ['v1', 'v2'] }, ['p']],
    ['arrow functions with the same source', { f: () => 1 }, { f: () => 1 }, []],
    ['functions with another source', { f: () => 1 }, { f: () => 2 }, ['f']],
    ['URLs with one href', { u: new URL('ws://a/') }, { u: new URL('ws://a/') }, []],
    ['URLs with another href', { u: new URL('ws://a/') }, { u: new URL('ws://b/') }, ['u']],
    ['a URL against its string', { u: new URL('ws://a/') }, { u: 'ws://a/' }, []],
    ['the same non-plain object', { m: new Map() }, { m: new Map() }, ['m']],
    ['one shared store', { s: store }, { s: store }, []],
  ])('%s', (_, held, asked, names) => {
    expect(differingOptions(held, asked)).toEqual(names);
  });

  it('skips the ignored names', () => {
    expect(differingOptions({ key: 'a', enabled: true }, { key: 'b' }, ['key', 'enabled'])).toEqual(
      [],
    );
  });
});

describe('isDevelopment', () => {
  it('follows NODE_ENV and counts a missing `process` as development, without throwing', () => {
    expect(isDevelopment()).toBe(true);
    const saved = globalThis.process;
    try {
      Reflect.set(globalThis, 'process', { env: { NODE_ENV: 'production' } });
      expect(isDevelopment()).toBe(false);
      Reflect.set(globalThis, 'process', undefined);
      expect(isDevelopment()).toBe(true);
    } finally {
      Reflect.set(globalThis, 'process', saved);
    }
  });
});
