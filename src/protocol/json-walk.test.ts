import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countOpeners, hasProtoKey, nestsDeeperThan } from './json-walk.js';

/** The real nesting depth of a JSON value (the top-level object or array is 1, a scalar 0). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const items = Array.isArray(value) ? value : Object.values(value);
  return 1 + items.reduce<number>((deepest, item) => Math.max(deepest, depthOf(item)), 0);
}

// Strings full of what the scan must skip: brackets, quotes, backslashes, and non-ASCII.
const tricky = fc.string({
  unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é', '😀', '\\"', '\\\\'),
});
const nested = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tricky,
    fc.integer(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('nestsDeeperThan: the depth of a JSON text, read before JSON.parse', () => {
  it('agrees with the depth of the parsed value for every limit, brackets in strings skipped', () => {
    fc.assert(
      fc.property(nested, fc.integer({ min: 0, max: 8 }), fc.boolean(), (value, limit, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 1 : undefined);
        expect(nestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees too when it is given the count of openers, and stops once those left cannot go deeper', () => {
    fc.assert(
      fc.property(nested, fc.integer({ min: 0, max: 8 }), fc.boolean(), (value, limit, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 1 : undefined);
        const openers = countOpeners(text, Number.POSITIVE_INFINITY);
        expect(nestsDeeperThan(text, limit, openers)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 3000 },
    );
    // A list of 80 small objects (81 openers) under a limit of 64 is decided within its first 20
    // objects: the scan trusts the count and reads no further, so a deep tail the count leaves out
    // is not seen (the count parseFrame gives is never short: it includes every opener).
    const list = `[${'{"a":1},'.repeat(80)}`;
    const deepTail = `${list}${'['.repeat(70)}${']'.repeat(71)}`;
    expect(nestsDeeperThan(deepTail, 64, 81)).toBe(false);
    expect(nestsDeeperThan(deepTail, 64, countOpeners(deepTail, Number.POSITIVE_INFINITY))).toBe(
      true,
    );
    expect(nestsDeeperThan(deepTail, 64)).toBe(true);
  });

  it('stops at the first bracket past the limit: a frame nested 400,000 deep costs nothing', () => {
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const started = performance.now();
    expect(nestsDeeperThan(deep, 64)).toBe(true);
    expect(performance.now() - started).toBeLessThan(20);
  });

  it('reads a string that never ends as not too deep (JSON.parse refuses it next)', () => {
    expect(nestsDeeperThan(`["${'['.repeat(100)}`, 2)).toBe(false);
    expect(nestsDeeperThan('["\\"', 0)).toBe(true);
  });

  it('counts an escaped backslash before a quote as closing the string', () => {
    // "\\" is a string holding one backslash; the [ after it is real nesting.
    expect(nestsDeeperThan('["\\\\",[[1]]]', 2)).toBe(true);
    expect(nestsDeeperThan('["\\\\\\"",[[1]]]', 2)).toBe(true);
    expect(nestsDeeperThan('["\\"[[[[",1]', 1)).toBe(false);
  });
});

describe('countOpeners and hasProtoKey', () => {
  it('counts openers anywhere, strings included (a cheap upper bound of the depth), up to its cap', () => {
    expect(countOpeners('[{"a":"[["}]', 10)).toBe(4);
    expect(countOpeners('[{"a":"[["}]', 4)).toBe(4);
    expect(countOpeners('[{"a":"[["}]', 3)).toBe(Number.POSITIVE_INFINITY);
    expect(countOpeners('"a"', 2)).toBe(0);
  });

  it('finds a __proto__ own key at any depth, without recursion', () => {
    expect(hasProtoKey(JSON.parse('{"a":[{"b":{"__proto__":1}}]}'))).toBe(true);
    expect(hasProtoKey(JSON.parse('{"a":[{"b":{"proto":1}}]}'))).toBe(false);
    let deep: unknown = JSON.parse('{"__proto__":1}');
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(hasProtoKey(deep)).toBe(true);
  });
});
