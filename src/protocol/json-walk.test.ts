import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasMoreOpeners, hasProtoKey, nestsDeeperThan } from './json-walk.js';

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

describe('hasMoreOpeners and hasProtoKey', () => {
  it('counts openers anywhere, strings included (a cheap upper bound of the depth)', () => {
    expect(hasMoreOpeners('[{"a":"[["}]', 3)).toBe(true);
    expect(hasMoreOpeners('[{"a":"[["}]', 4)).toBe(false);
  });

  it('finds a __proto__ own key at any depth, without recursion', () => {
    expect(hasProtoKey(JSON.parse('{"a":[{"b":{"__proto__":1}}]}'))).toBe(true);
    expect(hasProtoKey(JSON.parse('{"a":[{"b":{"proto":1}}]}'))).toBe(false);
    let deep: unknown = JSON.parse('{"__proto__":1}');
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(hasProtoKey(deep)).toBe(true);
  });
});
