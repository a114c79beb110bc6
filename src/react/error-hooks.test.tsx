import { act, cleanup, renderHook } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { envelopeFault } from '../../test/support/envelope-fault.js';
import { createTestSocket, type TestSocket } from '../../test/support/test-socket.js';
import { createErrorStore, selectFaults } from '../core/error-store/error-store.js';
import { useAuthRedirect } from './use-auth-redirect.js';
import { useErrorToasts } from './use-error-toasts.js';
import { useRetryCountdown } from './use-retry-countdown.js';
import { useSocketErrors } from './use-socket-errors.js';

let socket: TestSocket;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  socket = createTestSocket(createErrorStore());
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useErrorToasts', () => {
  it('shows one toast per fault, merges ten repeats into one with count 10, and dismisses', () => {
    const { result } = renderHook(() => useErrorToasts(socket), { wrapper: StrictMode });
    expect(result.current.toasts).toEqual([]);
    act(() => socket.errors.getState().report(envelopeFault(4001)));
    expect(result.current.toasts).toHaveLength(1);
    act(() => {
      for (let i = 0; i < 9; i++) socket.errors.getState().report(envelopeFault(4001));
    });
    expect(result.current.toasts).toHaveLength(1);
    expect(result.current.toasts[0]?.count).toBe(10);
    const id = result.current.toasts[0]?.id ?? '';
    act(() => result.current.dismiss(id));
    expect(result.current.toasts).toEqual([]);
  });

  it('shows faults that read the same as one toast with the summed count; dismiss closes it', () => {
    const { result } = renderHook(() => useErrorToasts(socket), { wrapper: StrictMode });
    act(() => {
      socket.errors.getState().report(envelopeFault(4000, { message: 'Try again.' }));
      socket.errors.getState().report(envelopeFault(4002, { message: 'Try again.' }));
    });
    expect(result.current.toasts).toHaveLength(1);
    expect(result.current.toasts[0]).toMatchObject({ message: 'Try again.', count: 2 });
    expect(result.current.toasts[0]?.faults.map((f) => f.code)).toEqual([4002, 4000]);
    act(() => result.current.dismiss(result.current.toasts[0]?.id ?? ''));
    expect(result.current.toasts).toEqual([]);
    expect(socket.errors.getState().active).toEqual([]);
  });

  it('lets recoverable toasts expire by the store timer and keeps fatal ones', async () => {
    const { result } = renderHook(() => useErrorToasts(socket), { wrapper: StrictMode });
    act(() => {
      socket.errors.getState().report(envelopeFault(4001));
      socket.errors.getState().report(envelopeFault(4004));
    });
    expect(result.current.toasts).toHaveLength(2);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(result.current.toasts.map((t) => t.code)).toEqual([4004]);
    act(() => result.current.dismissAll());
    expect(result.current.toasts).toEqual([]);
  });
});

describe('useSocketErrors', () => {
  it('re-renders with the selected slice of the store', () => {
    const { result } = renderHook(() => useSocketErrors(selectFaults, socket), {
      wrapper: StrictMode,
    });
    act(() => socket.errors.getState().report(envelopeFault(4000)));
    expect(result.current.map((f) => f.code)).toEqual([4000]);
  });
});

describe('useAuthRedirect', () => {
  it('calls back once per fatal reauthenticate fault, StrictMode and re-renders included', () => {
    const callback = vi.fn();
    const { rerender } = renderHook(() => useAuthRedirect(callback, socket), {
      wrapper: StrictMode,
    });
    act(() => socket.errors.getState().report(envelopeFault(4001)));
    expect(callback).not.toHaveBeenCalled();
    const auth = envelopeFault(4003);
    act(() => socket.errors.getState().report(auth));
    rerender();
    expect(callback).toHaveBeenCalledTimes(1);
    expect(callback.mock.calls[0]?.[0]).toMatchObject({ id: auth.id, action: 'reauthenticate' });
    act(() => socket.errors.getState().report(envelopeFault(4003, { message: 'again' })));
    expect(callback).toHaveBeenCalledTimes(2);
  });

  it('fires for a reauthenticate fault already in the store at mount', () => {
    socket.errors.getState().report(envelopeFault(4003));
    const callback = vi.fn();
    renderHook(() => useAuthRedirect(callback, socket), { wrapper: StrictMode });
    expect(callback).toHaveBeenCalledTimes(1);
  });
});

describe('useRetryCountdown', () => {
  it('counts whole seconds down to nextRetryAt, then stops; null when not reconnecting', async () => {
    const { result } = renderHook(() => useRetryCountdown(socket), { wrapper: StrictMode });
    expect(result.current.seconds).toBeNull();
    act(() => socket.setSnapshot({ status: 'reconnecting', nextRetryAt: Date.now() + 2500 }));
    expect(result.current.seconds).toBe(3);
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(result.current.seconds).toBe(2);
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(result.current.seconds).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(result.current.seconds).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    act(() => socket.setSnapshot({ status: 'open' }));
    expect(result.current.seconds).toBeNull();
  });

  it('counts down on the monotonic clock: a wall clock stepped back an hour moves nothing', async () => {
    let shift = 0;
    const clock = {
      now: () => Date.now() + shift,
      monotonic: () => Date.now(),
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const { result } = renderHook(() => useRetryCountdown(socket, clock), { wrapper: StrictMode });
    act(() => socket.setSnapshot({ status: 'reconnecting', nextRetryAt: clock.now() + 2500 }));
    expect(result.current.seconds).toBe(3);
    shift = -3_600_000;
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(result.current.seconds).toBe(2);
    await act(() => vi.advanceTimersByTimeAsync(1500));
    expect(result.current.seconds).toBe(0);
  });

  it('retryNow asks the socket to reconnect', () => {
    const { result } = renderHook(() => useRetryCountdown(socket), { wrapper: StrictMode });
    result.current.retryNow();
    expect(socket.calls.reconnect).toBe(1);
  });
});
