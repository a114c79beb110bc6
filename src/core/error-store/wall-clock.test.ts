/**
 * The store measures durations (the TTL, the dedupe window) on the monotonic clock: a wall clock
 * stepped back an hour (NTP, a user fixing the time) used to keep a toast an hour longer, and one
 * stepped forward (a wake from sleep, a user fixing the time) expired every toast at once. The
 * times an entry shows (`firstAt`, `lastAt`) stay wall times.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fault } from '../../../test/support/error-store-fixtures.js';
import type { Clock, TimerHandle } from '../clock.js';
import { createErrorStore } from './error-store.js';

const HOUR = 3_600_000;
const TTL = 5_000;

/**
 * A clock whose wall time (`now`) and monotonic time move apart: `advance` moves both and fires
 * due timers on monotonic time, as `setTimeout` does; `stepWall` moves the wall clock alone.
 */
function splitClock(wall = 10 * HOUR, monotonic = 1_000) {
  let offset = wall - monotonic;
  let mono = monotonic;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: Clock = {
    now: () => mono + offset,
    monotonic: () => mono,
    setTimeout(callback, ms): TimerHandle {
      nextId += 1;
      timers.set(nextId, { at: mono + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  return {
    clock,
    advance(ms: number) {
      const target = mono + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at);
        const first = due[0];
        if (first === undefined) break;
        timers.delete(first[0]);
        mono = first[1].at;
        first[1].callback();
      }
      mono = target;
    },
    stepWall: (ms: number) => {
      offset += ms;
    },
  };
}

const jumps = [
  { name: 'stepped back one hour', wallStep: -HOUR },
  { name: 'stepped forward one hour', wallStep: HOUR },
] as const;

afterEach(() => {
  vi.useRealTimers();
});

describe.each(jumps)('a wall clock $name', ({ wallStep }) => {
  it('leaves a 5 s toast after 5 s of monotonic time, not an hour later nor at once', () => {
    const time = splitClock();
    const store = createErrorStore({ clock: time.clock, recoverableTtlMs: TTL });
    const toast = store.getState().report(fault());
    time.advance(1_000);
    time.stepWall(wallStep);
    // Another report runs the due expiries first: a forward step used to count as 1 h elapsed.
    const other = store.getState().report(fault({ code: 4002, message: 'invalid action' }));
    time.advance(3_999);
    expect(store.getState().active).toEqual([other, toast]);
    time.advance(1);
    expect(store.getState().active).toEqual([other]);
    time.advance(1_000);
    expect(store.getState().active).toEqual([]);
    expect(store.getState().history).toEqual([other, toast]);
  });

  it.each([
    { elapsed: 4_999, merges: true },
    { elapsed: 5_000, merges: false },
  ])('a repeat $elapsed ms later (monotonic) merges: $merges', ({ elapsed, merges }) => {
    const time = splitClock();
    const store = createErrorStore({ clock: time.clock, recoverableTtlMs: 60_000 });
    const first = store.getState().report(fault());
    time.advance(1_000);
    time.stepWall(wallStep);
    time.advance(elapsed - 1_000);
    const repeat = store.getState().report(fault());
    expect(repeat.id === first.id).toBe(merges);
    expect(repeat.count).toBe(merges ? 2 : 1);
  });

  it('keeps showing wall times: firstAt and lastAt are what the wall clock read', () => {
    const time = splitClock();
    const store = createErrorStore({ clock: time.clock });
    const first = store.getState().report(fault());
    time.stepWall(wallStep);
    time.advance(1_000);
    const repeat = store.getState().report(fault());
    expect(repeat.firstAt).toBe(first.firstAt);
    expect(repeat.lastAt).toBe(first.lastAt + wallStep + 1_000);
    expect(repeat.lastAt).toBe(time.clock.now());
  });

  it('on the default clock (performance.now under fake timers) the toast still leaves after 5 s', async () => {
    vi.useFakeTimers({ now: 10 * HOUR });
    const store = createErrorStore({ recoverableTtlMs: TTL });
    store.getState().report(fault());
    await vi.advanceTimersByTimeAsync(1_000);
    vi.setSystemTime(Date.now() + wallStep); // moves Date only, as NTP does; performance.now goes on
    store.getState().report(fault({ code: 4002, message: 'invalid action' }));
    expect(store.getState().active).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(store.getState().active.map((entry) => entry.code)).toEqual([4002]);
    expect(vi.getTimerCount()).toBe(1);
  });
});
