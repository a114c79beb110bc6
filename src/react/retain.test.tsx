import { act, cleanup, render, renderHook } from '@testing-library/react';
import { memo, useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scopeOf } from '../../test/support/scope.js';
import { createTestRegistry } from '../../test/support/test-registry.js';
import { selectFaults } from '../core/error-store/error-store.js';
import type { ReactSocketOptions } from './default-registry.js';
import { useAuthRedirect } from './use-auth-redirect.js';
import { useErrorToasts } from './use-error-toasts.js';
import { useLatestMessage } from './use-latest-message.js';
import { useSocketInstance } from './use-retained-socket.js';
import { useRetryCountdown } from './use-retry-countdown.js';
import { useSocket } from './use-socket.js';
import { useSocketErrors } from './use-socket-errors.js';
import { useSocketMessage } from './use-socket-message.js';
import { useSocketState } from './use-socket-state.js';

const GRACE_MS = 100;
const options = { url: 'ws://retain' };
const selectStatus = (s: { status: string }) => s.status;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const hooks: Array<[string, (source: ReactSocketOptions) => unknown]> = [
  ['useSocket', (source) => useSocket(source)],
  ['useSocketState', (source) => useSocketState(selectStatus, source)],
  ['useSocketMessage', (source) => useSocketMessage('chat', () => {}, source)],
  ['useLatestMessage', (source) => useLatestMessage('chat', source)],
  ['useSocketErrors', (source) => useSocketErrors(selectFaults, source)],
  ['useErrorToasts', (source) => useErrorToasts(source)],
  ['useAuthRedirect', (source) => useAuthRedirect(() => {}, source)],
  ['useRetryCountdown', (source) => useRetryCountdown(source)],
  ['useSocketInstance', (source) => useSocketInstance(source)],
];

describe('every hook given options holds the shared socket while mounted', () => {
  it.each(hooks)(
    '%s alone connects it once; after unmount the grace timer closes it',
    (_, hook) => {
      const { registry, made } = createTestRegistry(GRACE_MS);
      const { unmount } = renderHook(() => hook(options), { wrapper: scopeOf(registry) });
      expect(made).toHaveLength(1);
      expect(made[0]?.calls).toMatchObject({ connect: 1, close: 0 });
      vi.advanceTimersByTime(10 * GRACE_MS);
      expect(made[0]?.calls.close).toBe(0);
      unmount();
      vi.advanceTimersByTime(GRACE_MS - 1);
      expect(made[0]?.calls.close).toBe(0);
      vi.advanceTimersByTime(1);
      expect(made[0]?.calls.close).toBe(1);
    },
  );

  it.each(hooks)('%s holds a socket instance the registry made', (_, hook) => {
    const { registry, made } = createTestRegistry(GRACE_MS);
    const socket = registry.resolve(options);
    const { unmount } = renderHook(() => hook(socket as unknown as ReactSocketOptions), {
      wrapper: scopeOf(registry),
    });
    expect(made[0]?.calls.connect).toBe(1);
    unmount();
    vi.advanceTimersByTime(GRACE_MS);
    expect(made[0]?.calls.close).toBe(1);
  });
});

function Sibling() {
  useSocket(options);
  return null;
}
// Memoized: it does not re-render when the sibling comes back, as in the app.
const Listener = memo(function Listener({ seen }: { seen: unknown[] }) {
  useSocketMessage('chat', (envelope) => seen.push(envelope.data), options);
  return null;
});
let show: (visible: boolean) => void = () => {};
function App({ seen }: { seen: unknown[] }) {
  const [visible, setVisible] = useState(true);
  show = setVisible;
  return (
    <>
      {visible && <Sibling />}
      <Listener seen={seen} />
    </>
  );
}

describe('a message subscriber whose sibling remounts', () => {
  it('keeps the socket open and keeps receiving every message', () => {
    const { registry, made } = createTestRegistry(GRACE_MS);
    const seen: unknown[] = [];
    render(<App seen={seen} />, { wrapper: scopeOf(registry) });
    act(() => show(false));
    act(() => vi.advanceTimersByTime(10 * GRACE_MS));
    act(() => show(true));
    expect(made).toHaveLength(1);
    expect(made[0]?.calls).toMatchObject({ connect: 1, close: 0 });
    act(() => {
      for (let i = 0; i < 3; i++) made.at(-1)?.emit({ type: 'chat', data: i });
    });
    expect(seen).toEqual([0, 1, 2]);
  });
});
