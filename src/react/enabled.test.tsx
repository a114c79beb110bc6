import { act, cleanup, render, renderHook } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { scopeOf } from '../../test/support/scope.js';
import { createTestRegistry } from '../../test/support/test-registry.js';
import { createTestSocket } from '../../test/support/test-socket.js';
import { createErrorStore } from '../core/error-store/error-store.js';
import { SocketProvider } from './context.js';
import { createReactSocketRegistry } from './default-registry.js';
import { useLatestMessage } from './use-latest-message.js';
import { useSocket } from './use-socket.js';
import { useSocketMessage } from './use-socket-message.js';
import { useSocketState } from './use-socket-state.js';

const GRACE_MS = 100;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useSocket({ enabled }) over the real core', () => {
  it('on/off/on opens exactly one WebSocket per on, none while off, and closes each after the grace period', () => {
    const WebSocket = fakeWebSocketClass();
    const registry = createReactSocketRegistry(GRACE_MS);
    const base = {
      url: 'ws://enabled.test/ws',
      WebSocket,
      environment: false,
      heartbeat: false,
    } as const;
    const { result, rerender } = renderHook(
      ({ enabled }: { enabled: boolean }) => useSocket({ ...base, enabled }),
      { wrapper: scopeOf(registry), initialProps: { enabled: false } },
    );
    expect(result.current.status).toBe('idle');
    expect(WebSocket.instances).toHaveLength(0);

    rerender({ enabled: true });
    expect(WebSocket.instances).toHaveLength(1);
    act(() => WebSocket.last().open());
    expect(result.current.status).toBe('open');

    rerender({ enabled: false });
    expect(result.current.status).toBe('idle');
    act(() => vi.advanceTimersByTime(GRACE_MS));
    expect(WebSocket.instances).toHaveLength(1);
    expect(WebSocket.instances[0]?.closedByClient).not.toBeNull();
    act(() => vi.advanceTimersByTime(60_000));
    expect(WebSocket.instances).toHaveLength(1);

    rerender({ enabled: true });
    expect(WebSocket.instances).toHaveLength(2);
    expect(result.current.status).toBe('connecting');
    rerender({ enabled: false });
    act(() => vi.advanceTimersByTime(GRACE_MS));
    expect(WebSocket.instances).toHaveLength(2);
    expect(WebSocket.instances[1]?.closedByClient).not.toBeNull();
  });

  it('off and on again within the grace period keeps the same WebSocket', () => {
    const WebSocket = fakeWebSocketClass();
    const registry = createReactSocketRegistry(GRACE_MS);
    const base = {
      url: 'ws://enabled.test/ws',
      WebSocket,
      environment: false,
      heartbeat: false,
    } as const;
    const { rerender } = renderHook(
      ({ enabled }: { enabled: boolean }) => useSocket({ ...base, enabled }),
      { wrapper: scopeOf(registry), initialProps: { enabled: true } },
    );
    rerender({ enabled: false });
    act(() => vi.advanceTimersByTime(GRACE_MS - 1));
    rerender({ enabled: true });
    act(() => vi.advanceTimersByTime(10 * GRACE_MS));
    expect(WebSocket.instances).toHaveLength(1);
    expect(WebSocket.instances[0]?.closedByClient).toBeNull();
  });
});

function User({ enabled }: { enabled: boolean }) {
  return <span>{useSocket({ url: 'ws://shared', enabled }).status}</span>;
}

describe('enabled: false on a shared socket', () => {
  it('only releases its own hold: the socket stays while another component holds it', () => {
    const { registry, made } = createTestRegistry(GRACE_MS);
    const app = (second: boolean | null) => (
      <>
        <User enabled />
        {second !== null && <User enabled={second} />}
      </>
    );
    const view = render(app(true), { wrapper: scopeOf(registry) });
    view.rerender(app(false));
    expect(view.container.textContent).toBe('connectingidle');
    act(() => vi.advanceTimersByTime(10 * GRACE_MS));
    expect(made).toHaveLength(1);
    expect(made[0]?.calls).toMatchObject({ connect: 1, close: 0 });
    view.rerender(app(null));
    view.unmount();
    act(() => vi.advanceTimersByTime(GRACE_MS));
    expect(made[0]?.calls.close).toBe(1);
  });
});

function Below({ seen }: { seen: unknown[] }) {
  const { status } = useSocket();
  const selected = useSocketState((s) => s.status);
  const latest = useLatestMessage('chat');
  useSocketMessage('chat', (envelope) => seen.push(envelope.data));
  return <span>{`${status}/${selected}/${latest === undefined ? 'none' : 'some'}`}</span>;
}

describe('enabled for a socket instance and for the provider', () => {
  it('useSocket(socket, { enabled: false }) returns idle and does not subscribe', () => {
    const socket = createTestSocket(createErrorStore());
    socket.setSnapshot({ status: 'open', openedAt: 1 });
    const { result, rerender } = renderHook(
      ({ enabled }: { enabled: boolean }) => useSocket(socket, { enabled }),
      { wrapper: StrictMode, initialProps: { enabled: false } },
    );
    expect(result.current.status).toBe('idle');
    expect(socket.listenerCount()).toBe(0);
    rerender({ enabled: true });
    expect(result.current.status).toBe('open');
  });

  it('a provider with enabled: false connects nothing; hooks below render idle and do not listen', () => {
    const { registry, made } = createTestRegistry(GRACE_MS);
    const seen: unknown[] = [];
    const app = (enabled: boolean) => (
      <StrictMode>
        <SocketProvider options={{ url: 'ws://provider', enabled }} registry={registry}>
          <Below seen={seen} />
        </SocketProvider>
      </StrictMode>
    );
    const view = render(app(false));
    expect(made).toHaveLength(1);
    expect(made[0]?.calls.connect).toBe(0);
    expect(made[0]?.listenerCount()).toBe(0);
    act(() => made[0]?.emit({ type: 'chat', data: 'while off' }));
    expect(seen).toEqual([]);
    expect(view.container.textContent).toBe('idle/idle/none');

    view.rerender(app(true));
    expect(made[0]?.calls.connect).toBe(1);
    act(() => made[0]?.emit({ type: 'chat', data: 'on' }));
    expect(seen).toEqual(['on']);
    expect(view.container.textContent).toBe('connecting/connecting/some');
  });
});
