import { act, cleanup, renderHook } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CommitCounts, Counted, renderStrict } from '../../test/support/render.js';
import { createTestRegistry } from '../../test/support/test-registry.js';
import { createTestSocket, type TestSocket } from '../../test/support/test-socket.js';
import { createErrorStore } from '../core/error-store/error-store.js';
import { SocketProvider } from './context.js';
import { useSocket } from './use-socket.js';
import { useSocketMessage } from './use-socket-message.js';
import { useSocketState } from './use-socket-state.js';

const fakeRegistry = () => createTestRegistry();

function UrlStatus({ url }: { url: string }) {
  return <span>{useSocket({ url }).status}</span>;
}
function SelectedStatus({ socket }: { socket: TestSocket }) {
  return <span>{useSocketState((s) => s.status, socket)}</span>;
}
function WholeStatus({ socket }: { socket: TestSocket }) {
  return <span>{useSocket(socket).status}</span>;
}
function ChatLog({ socket, seen }: { socket: TestSocket; seen: unknown[] }) {
  useSocketMessage('chat', (envelope) => seen.push(envelope.data), socket);
  return null;
}
function Lost({ socket }: { socket: TestSocket }) {
  return <span>{String(useSocketState((s) => s.lost, socket))}</span>;
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useSocket with a given socket', () => {
  let socket: TestSocket;
  beforeEach(() => {
    socket = createTestSocket(createErrorStore());
  });

  it('returns the snapshot fields and follows state changes', () => {
    const { result } = renderHook(() => useSocket(socket), { wrapper: StrictMode });
    expect(result.current).toMatchObject({
      status: 'idle',
      attempt: 0,
      nextRetryAt: null,
      lost: false,
    });
    act(() => socket.setSnapshot({ status: 'reconnecting', attempt: 2, nextRetryAt: 5000 }));
    expect(result.current).toMatchObject({ status: 'reconnecting', attempt: 2, nextRetryAt: 5000 });
  });

  it('keeps send, reconnect and close the same across renders and forwards them', () => {
    const { result } = renderHook(() => useSocket(socket), { wrapper: StrictMode });
    const first = result.current;
    act(() => socket.setSnapshot({ status: 'connecting' }));
    expect(result.current.status).toBe('connecting');
    for (const key of ['send', 'reconnect', 'close', 'socket'] as const) {
      expect(result.current[key]).toBe(first[key]);
    }
    expect(result.current.send('chat', { text: 'hi' })).toEqual({ status: 'sent' });
    result.current.reconnect();
    expect(socket.calls.sent).toEqual([{ type: 'chat', data: { text: 'hi' } }]);
    expect(socket.calls.reconnect).toBe(1);
  });

  it('neither connects nor closes a socket the app passed in', () => {
    const { unmount } = renderHook(() => useSocket(socket), { wrapper: StrictMode });
    unmount();
    expect(socket.calls).toMatchObject({ connect: 0, close: 0 });
  });

  it('takes the provider socket when called without an argument, and throws with none', () => {
    const { result } = renderHook(() => useSocket(), {
      wrapper: ({ children }) => (
        <StrictMode>
          <SocketProvider socket={socket}>{children}</SocketProvider>
        </StrictMode>
      ),
    });
    expect(result.current.socket).toBe(socket);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => useSocket())).toThrow(/no socket/);
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => renderHook(() => useSocket())).toThrow(new Error('sockguard: E_NO_SOCKET'));
    vi.unstubAllEnvs();
  });
});

describe('useSocket sharing by options', () => {
  it('opens exactly one socket under StrictMode for components sharing a URL, and drops none', () => {
    vi.useFakeTimers();
    const { registry, made } = fakeRegistry();
    const view = renderStrict(
      <SocketProvider options={{ url: 'ws://a' }} registry={registry}>
        <UrlStatus url="ws://a" />
        <UrlStatus url="ws://a" />
        <UrlStatus url="ws://b" />
      </SocketProvider>,
    );
    expect(made).toHaveLength(2);
    expect(made.map((s) => s.calls)).toMatchObject([
      { connect: 1, close: 0 },
      { connect: 1, close: 0 },
    ]);
    vi.advanceTimersByTime(5000);
    expect(made.map((s) => s.calls.close)).toEqual([0, 0]);
    view.unmount();
    vi.advanceTimersByTime(999);
    expect(made.map((s) => s.calls.close)).toEqual([0, 0]);
    vi.advanceTimersByTime(1);
    expect(made.map((s) => s.calls.close)).toEqual([1, 1]);
  });
});

describe('render counts', () => {
  it('1,000 messages re-render neither a status consumer nor a message consumer, and every message is handled', () => {
    const socket = createTestSocket(createErrorStore());
    const counts: CommitCounts = new Map();
    const count = (id: string) => counts.get(id) ?? 0;
    const seen: unknown[] = [];
    renderStrict(
      <>
        <Counted id="status" counts={counts}>
          <SelectedStatus socket={socket} />
        </Counted>
        <Counted id="whole" counts={counts}>
          <WholeStatus socket={socket} />
        </Counted>
        <Counted id="chat" counts={counts}>
          <ChatLog socket={socket} seen={seen} />
        </Counted>
      </>,
    );
    const before = { status: count('status'), whole: count('whole'), chat: count('chat') };
    act(() => {
      for (let i = 0; i < 1000; i++) socket.emit({ type: 'chat', data: i });
    });
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(count('status') - before.status).toBeLessThanOrEqual(1);
    expect(count('whole') - before.whole).toBeLessThanOrEqual(1);
    expect(count('chat')).toBe(before.chat);
  });

  it('a selector consumer re-renders only when its selection changes', () => {
    const socket = createTestSocket(createErrorStore());
    const counts: CommitCounts = new Map();
    const count = (id: string) => counts.get(id) ?? 0;
    const view = renderStrict(
      <Counted id="lost" counts={counts}>
        <Lost socket={socket} />
      </Counted>,
    );
    const before = count('lost');
    act(() => socket.setSnapshot({ status: 'connecting' }));
    act(() => socket.setSnapshot({ status: 'reconnecting', nextRetryAt: 1 }));
    expect(count('lost')).toBe(before);
    act(() => socket.setSnapshot({ status: 'reconnecting', lost: true }));
    expect(count('lost')).toBe(before + 1);
    expect(view.container.textContent).toBe('true');
  });
});
