import { act, cleanup, renderHook } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSocket } from '../../test/support/test-socket.js';
import { createErrorStore } from '../core/error-store/error-store.js';
import { useLatestMessage } from './use-latest-message.js';
import { useSocketMessage } from './use-socket-message.js';

afterEach(cleanup);

describe('useSocketMessage', () => {
  it('calls the newest handler without re-subscribing', () => {
    const socket = createTestSocket(createErrorStore());
    const calls: string[] = [];
    const { rerender } = renderHook(
      ({ name }: { name: string }) => useSocketMessage('chat', () => calls.push(name), socket),
      { wrapper: StrictMode, initialProps: { name: 'first' } },
    );
    const listeners = socket.listenerCount();
    rerender({ name: 'second' });
    act(() => socket.emit({ type: 'chat', data: null }));
    expect(calls).toEqual(['second']);
    expect(socket.listenerCount()).toBe(listeners);
  });

  it('only receives its own type, and unsubscribes on unmount', () => {
    const socket = createTestSocket(createErrorStore());
    const calls: string[] = [];
    const { unmount } = renderHook(
      () => useSocketMessage('chat', (e) => calls.push(e.type), socket),
      {
        wrapper: StrictMode,
      },
    );
    act(() => {
      socket.emit({ type: 'presence', data: null });
      socket.emit({ type: 'chat', data: null });
    });
    expect(calls).toEqual(['chat']);
    unmount();
    expect(socket.listenerCount()).toBe(0);
  });
});

describe('useLatestMessage', () => {
  it('is undefined first, then the last of a burst, in one render', () => {
    const socket = createTestSocket(createErrorStore());
    let renders = 0;
    const { result } = renderHook(
      () => {
        renders += 1;
        return useLatestMessage('price', socket);
      },
      { wrapper: StrictMode },
    );
    expect(result.current).toBeUndefined();
    const before = renders;
    act(() => {
      for (let i = 1; i <= 100; i++) socket.emit({ type: 'price', data: i });
    });
    expect(result.current?.data).toBe(100);
    // One re-render, rendered twice by StrictMode.
    expect(renders - before).toBeLessThanOrEqual(2);
  });
});
