/** The heartbeat on its own, with fake timers: options, and the bound on a link's silence. */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import { DEFAULT_HEARTBEAT, resolveHeartbeat, startHeartbeat } from './heartbeat.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('resolveHeartbeat', () => {
  it('takes the default for a field given as undefined (it used to become NaN: 395 pings in 500 ms)', () => {
    expect(resolveHeartbeat({ intervalMs: undefined })).toEqual(DEFAULT_HEARTBEAT);
    expect(resolveHeartbeat(undefined)).toEqual(DEFAULT_HEARTBEAT);
    expect(resolveHeartbeat(false)).toBeNull();
  });

  it.each([
    ['intervalMs', 0],
    ['intervalMs', -5],
    ['intervalMs', Number.NaN],
    ['intervalMs', Number.POSITIVE_INFINITY],
    ['intervalMs', 2 ** 31],
    ['timeoutMs', 0],
    ['probeTimeoutMs', '3000'],
    ['pingType', ''],
  ])('refuses heartbeat.%s = %s, naming the option and the accepted range', (key, value) => {
    expect(() => resolveHeartbeat({ [key]: value })).toThrow(
      new RegExp(`heartbeat\\.${key} must be`),
    );
  });

  it('refuses an unknown key and names the nearest known one', () => {
    expect(() => resolveHeartbeat({ intervalMS: 1000 } as never)).toThrow(
      /unknown option heartbeat\.intervalMS\. Did you mean intervalMs\?/,
    );
  });
});

const OPTIONS = { ...DEFAULT_HEARTBEAT, intervalMs: 1000, timeoutMs: 500, probeTimeoutMs: 200 };

describe('startHeartbeat', () => {
  it('pings one interval after open when nothing arrives, not two', async () => {
    const pings: number[] = [];
    const beat = startHeartbeat(
      systemClock,
      OPTIONS,
      () => pings.push(Date.now()),
      () => {},
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(pings).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings).toEqual([1000]);
    beat.stop();
  });

  it('leaves no timer after stop()', async () => {
    const beat = startHeartbeat(
      systemClock,
      OPTIONS,
      () => {},
      () => {},
    );
    await vi.advanceTimersByTimeAsync(1000);
    beat.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never leaves the inbound side silent longer than the interval plus the pong, whatever the traffic', async () => {
    const rttMs = 20;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }),
        async (gaps) => {
          vi.setSystemTime(0);
          const inbound: number[] = [0]; // the open counts as the first sign of life
          const pings: number[] = [];
          let dead = false;
          const beat = startHeartbeat(
            systemClock,
            OPTIONS,
            () => {
              pings.push(Date.now());
              setTimeout(() => {
                inbound.push(Date.now());
                beat.seen();
              }, rttMs);
            },
            () => {
              dead = true;
            },
          );
          for (const gap of gaps) {
            await vi.advanceTimersByTimeAsync(gap);
            inbound.push(Date.now());
            beat.seen();
          }
          await vi.advanceTimersByTimeAsync(3000);
          beat.stop();
          vi.clearAllTimers();
          expect(dead).toBe(false);
          inbound.sort((a, b) => a - b);
          for (let i = 1; i < inbound.length; i++) {
            const gap = (inbound[i] as number) - (inbound[i - 1] as number);
            expect(gap).toBeLessThanOrEqual(OPTIONS.intervalMs + rttMs);
          }
          // No ping on a link that spoke within the last 3/4 interval (a busy link stays unpinged).
          for (const at of pings) {
            const last = Math.max(...inbound.filter((t) => t < at));
            expect(at - last).toBeGreaterThanOrEqual(OPTIONS.intervalMs * 0.75);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
