import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BackoffPolicy,
  backoffCeiling,
  backoffDelay,
  DEFAULT_BACKOFF,
  resolveBackoff,
} from './backoff.js';

const policy = resolveBackoff();
const input = (attempt: number, random: number, hintMs = 0) => ({
  attempt,
  random,
  hintMs,
  fault: null,
});

describe('backoffDelay (full jitter by default)', () => {
  it('stays within [floor, min(cap, base·factor^(n-1))] for any attempt, draw and policy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.record({
          baseMs: fc.integer({ min: 0, max: 10_000 }),
          factor: fc.double({ min: 1, max: 4, noNaN: true }),
          floorMs: fc.integer({ min: 0, max: 1000 }),
          capMs: fc.integer({ min: 1000, max: 120_000 }),
        }),
        (attempt, random, knobs) => {
          const p = resolveBackoff(knobs);
          const delay = backoffDelay(p, input(attempt, random));
          const upper = Math.max(
            p.floorMs,
            Math.min(p.capMs, p.baseMs * p.factor ** (attempt - 1)),
          );
          expect(delay).not.toBeNull();
          expect(delay).toBeGreaterThanOrEqual(p.floorMs);
          expect(delay).toBeLessThanOrEqual(upper + 1e-9);
        },
      ),
    );
  });

  it('grows the ceiling exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeiling(policy, n))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('spreads delays uniformly: 10 buckets of 10,000 draws each hold 8–12 %', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const buckets = new Array<number>(10).fill(0);
    const ceiling = backoffCeiling(policy, 4);
    for (let i = 0; i < 10_000; i++) {
      const delay = backoffDelay(policy, input(4, random())) as number;
      const index = Math.min(
        9,
        Math.floor(((delay - policy.floorMs) / (ceiling - policy.floorMs)) * 10),
      );
      buckets[index] = (buckets[index] ?? 0) + 1;
    }
    for (const count of buckets) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('jitter none returns the ceiling itself', () => {
    const p = resolveBackoff({ jitter: 'none' });
    expect(backoffDelay(p, input(3, 0.123))).toBe(4000);
  });

  it('a hint raises the delay to at least the hint, jittered by at most one base', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 20_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (hint, random) => {
          const delay = backoffDelay(policy, input(1, random, hint)) as number;
          expect(delay).toBeGreaterThanOrEqual(hint);
          expect(delay).toBeLessThanOrEqual(hint + policy.baseMs);
        },
      ),
    );
  });

  it('a hint longer than the cap is still honoured', () => {
    expect(backoffDelay(policy, input(1, 0.9, 90_000))).toBe(90_000);
  });

  it('a hint shorter than the drawn delay changes nothing', () => {
    expect(backoffDelay(policy, input(5, 0.5, 10))).toBe(backoffDelay(policy, input(5, 0.5)));
  });

  it('gives up (null) after maxAttempts retries', () => {
    const p = resolveBackoff({ maxAttempts: 3 });
    expect(backoffDelay(p, input(3, 0.5))).not.toBeNull();
    expect(backoffDelay(p, input(4, 0.5))).toBeNull();
  });

  it.each<[BackoffPolicy, string]>([
    [{ baseMs: -1 }, 'baseMs'],
    [{ factor: 0.5 }, 'factor'],
    [{ capMs: Number.NaN }, 'capMs'],
    [{ floorMs: 5000, capMs: 1000 }, 'floorMs'],
    [{ maxAttempts: -1 }, 'maxAttempts'],
  ])('rejects a bad policy %o naming %s', (bad, name) => {
    expect(() => resolveBackoff(bad)).toThrow(name);
  });

  it('exports its defaults', () => {
    expect(resolveBackoff()).toEqual(DEFAULT_BACKOFF);
  });
});
