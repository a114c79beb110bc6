import { afterEach, describe, expect, it, vi } from 'vitest';
import { fatalFault, fault, manualClock } from '../../../test/support/error-store-fixtures.js';
import { createErrorStore } from './error-store.js';

vi.mock('react', () => {
  throw new Error('react imported');
});

afterEach(() => {
  vi.useRealTimers();
});

describe('expiry on an injected clock', () => {
  it('removes a recoverable toast at lastAt + TTL, keeps fatal ones, and keeps both in history', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock });
    const recoverable = store.getState().report(fault());
    const fatal = store.getState().report(fatalFault());
    expect(recoverable.expiresAt).toBe(1_010_000);
    expect(fatal.expiresAt).toBeNull();
    clock.advance(9999);
    expect(store.getState().toasts).toHaveLength(2);
    clock.advance(1);
    expect(store.getState().active).toEqual([fatal]);
    expect(store.getState().history).toEqual([fatal, recoverable]);
    clock.advance(1_000_000);
    expect(store.getState().active).toEqual([fatal]);
  });

  it('extends the expiry of a merged repeat from its latest occurrence', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock });
    store.getState().report(fault());
    clock.advance(4000);
    expect(store.getState().report(fault()).expiresAt).toBe(1_014_000);
    clock.advance(9000);
    expect(store.getState().toasts).toHaveLength(1);
    clock.advance(1000);
    expect(store.getState().toasts).toEqual([]);
  });

  it('uses one timer for many toasts and leaves none once everything expired', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock, recoverableTtlMs: 1000 });
    for (let code = 0; code < 5; code++) {
      store.getState().report(fault({ code }));
      expect(clock.pending()).toBe(1);
      clock.advance(300);
    }
    expect(store.getState().active.map((t) => t.code)).toEqual([4, 3, 2]);
    clock.advance(300);
    expect(store.getState().active.map((t) => t.code)).toEqual([4, 3]);
    expect(clock.pending()).toBe(1);
    clock.advance(1000);
    expect(store.getState().toasts).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('arms no timer for fatal faults and clears it when the last recoverable toast is dismissed', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock });
    store.getState().report(fatalFault());
    expect(clock.pending()).toBe(0);
    const toast = store.getState().report(fault());
    expect(clock.pending()).toBe(1);
    store.getState().dismiss(toast.id);
    expect(clock.pending()).toBe(0);
  });

  it('clears the timer when a recoverable fault is replaced by a fatal one with its id', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock });
    const envelope = store.getState().report(fault());
    store.getState().report({ ...fault(), id: envelope.id, severity: 'fatal', action: 'stop' });
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(store.getState().fatal?.id).toBe(envelope.id);
  });

  it('never expires anything and arms no timer with a null TTL', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock, recoverableTtlMs: null });
    expect(store.getState().report(fault()).expiresAt).toBeNull();
    expect(clock.pending()).toBe(0);
    clock.advance(1e9);
    expect(store.getState().toasts).toHaveLength(1);
  });

  it('does not merge into a toast that expired before its timer ran', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock, recoverableTtlMs: 1000, dedupeWindowMs: 60_000 });
    const first = store.getState().report(fault());
    clock.jump(1000); // a frozen tab or a clock jump: time moves, the timer has not run yet
    const again = store.getState().report(fault());
    expect(again.id).not.toBe(first.id);
    expect(store.getState().active).toEqual([again]);
  });

  it('splits a TTL beyond the setTimeout limit instead of expiring at once', () => {
    const clock = manualClock();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    const store = createErrorStore({ clock, recoverableTtlMs: thirtyDays });
    store.getState().report(fault());
    clock.advance(2_147_483_647);
    expect(store.getState().toasts).toHaveLength(1);
    expect(clock.pending()).toBe(1);
    clock.advance(thirtyDays - 2_147_483_647);
    expect(store.getState().toasts).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('clamps a TTL beyond the setTimeout limit for a clock that fires such a timer at once, as browsers do', () => {
    const manual = manualClock();
    let armed = 0;
    // setTimeout past 2^31-1 ms fires after about 1 ms in browsers and Node.
    const clock = {
      ...manual,
      setTimeout: (callback: () => void, ms: number) => {
        armed += 1;
        return manual.setTimeout(callback, ms > 2 ** 31 - 1 ? 1 : ms);
      },
    };
    const store = createErrorStore({ clock, recoverableTtlMs: 30 * 24 * 3600 * 1000 });
    store.getState().report(fault());
    manual.advance(1000);
    expect(store.getState().toasts).toHaveLength(1);
    expect(armed).toBe(1); // not a loop of 1 ms timers
  });

  it('notifies once when a toast expires, keeping the history and fatal objects', () => {
    const clock = manualClock();
    const store = createErrorStore({ clock });
    store.getState().report(fatalFault());
    store.getState().report(fault());
    const { history, fatal } = store.getState();
    const listener = vi.fn();
    store.subscribe(listener);
    clock.advance(10_000);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getState().history).toBe(history);
    expect(store.getState().fatal).toBe(fatal);
  });
});

describe('expiry on the default clock with fake timers', () => {
  it('expires through systemClock and leaves no timer behind', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const store = createErrorStore();
    const toast = store.getState().report(fault());
    expect(toast.firstAt).toBe(5_000);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(store.getState().toasts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.getState().toasts).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('merges repeats by the faked Date.now and stops merging after the window', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const store = createErrorStore();
    store.getState().report(fault());
    await vi.advanceTimersByTimeAsync(4_999);
    expect(store.getState().report(fault()).count).toBe(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.getState().report(fault()).count).toBe(1);
  });
});
