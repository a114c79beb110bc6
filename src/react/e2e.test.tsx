/**
 * The hooks over the real core and error store, against an msw WebSocket server (happy-dom's
 * global WebSocket, patched by msw on `listen`).
 */
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { ws } from 'msw';
import { setupServer } from 'msw/node';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CommitCounts, Counted, renderStrict } from '../../test/support/render.js';
import { SocketProvider } from './context.js';
import { createReactSocketRegistry } from './default-registry.js';
import { useAuthRedirect } from './use-auth-redirect.js';
import { useErrorToasts } from './use-error-toasts.js';
import { useSocket } from './use-socket.js';
import { useSocketMessage } from './use-socket-message.js';
import { useSocketState } from './use-socket-state.js';

const url = 'ws://sockguard.test/ws';
const link = ws.link(url);
const server = setupServer();

/** A scripted server: counts connections and closes, answers `go` with `script`. */
function serve(
  script: (client: {
    send(data: string): void;
    close(code?: number, reason?: string): void;
  }) => void,
) {
  const stats = { connections: 0, closes: 0 };
  server.use(
    link.addEventListener('connection', ({ client }) => {
      stats.connections += 1;
      client.addEventListener('close', () => {
        stats.closes += 1;
      });
      client.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && JSON.parse(event.data).type === 'go') script(client);
      });
    }),
  );
  return stats;
}

const errorEnvelope = (code: number, message: string) =>
  JSON.stringify({ type: 'error', data: { code, message } });

function Status() {
  return <output>{useSocketState((s) => s.status)}</output>;
}
function Go() {
  const { send } = useSocket();
  return (
    <button type="button" onClick={() => send('go', null)}>
      go
    </button>
  );
}
function ChatLog({ seen }: { seen: unknown[] }) {
  useSocketMessage('chat', (envelope) => seen.push(envelope.data));
  return null;
}
function Toasts() {
  const { toasts, dismiss } = useErrorToasts();
  return (
    <ul>
      {toasts.map((t) => (
        <li key={t.id}>
          {`${t.code}x${t.count}`}
          <button type="button" onClick={() => dismiss(t.id)}>
            dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
function AuthRedirect({ onAuth }: { onAuth: () => void }) {
  useAuthRedirect(onAuth);
  return null;
}

function renderApp(children: ReactNode) {
  // A registry per test: no socket outlives its test.
  const registry = createReactSocketRegistry(10);
  return renderStrict(
    <SocketProvider options={{ url }} registry={registry}>
      <Status />
      <Go />
      {children}
    </SocketProvider>,
  );
}

async function open() {
  await waitFor(() => expect(screen.getAllByRole('status')[0]?.textContent).toBe('open'));
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

describe('hooks over the real core', () => {
  it('opens exactly one WebSocket under StrictMode for components sharing the connection, and drops none', async () => {
    const stats = serve(() => {});
    renderApp(<Status />);
    await open();
    expect(screen.getAllByRole('status').map((s) => s.textContent)).toEqual(['open', 'open']);
    expect(stats).toEqual({ connections: 1, closes: 0 });
  });

  it('1,000 messages in one tick: the handler sees all, a status consumer renders at most once more', async () => {
    serve((client) => {
      for (let i = 0; i < 1000; i++) client.send(JSON.stringify({ type: 'chat', data: i }));
    });
    const seen: unknown[] = [];
    const counts: CommitCounts = new Map();
    renderApp(
      <>
        <Counted id="status" counts={counts}>
          <Status />
        </Counted>
        <Counted id="chat" counts={counts}>
          <ChatLog seen={seen} />
        </Counted>
      </>,
    );
    await open();
    const before = { status: counts.get('status') ?? 0, chat: counts.get('chat') ?? 0 };
    act(() => screen.getByRole('button', { name: 'go' }).click());
    await waitFor(() => expect(seen).toHaveLength(1000));
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect((counts.get('status') ?? 0) - before.status).toBeLessThanOrEqual(1);
    expect(counts.get('chat') ?? 0).toBe(before.chat);
  });

  it('one error envelope is one toast; ten repeats are one toast with count 10; dismiss removes it', async () => {
    let burst = 1;
    serve((client) => {
      for (let i = 0; i < burst; i++) client.send(errorEnvelope(4001, 'room not found'));
    });
    renderApp(<Toasts />);
    await open();
    act(() => screen.getByRole('button', { name: 'go' }).click());
    await waitFor(() =>
      expect(screen.getAllByRole('listitem').map((li) => li.firstChild?.textContent)).toEqual([
        '4001x1',
      ]),
    );
    burst = 9;
    act(() => screen.getByRole('button', { name: 'go' }).click());
    await waitFor(() =>
      expect(screen.getAllByRole('listitem').map((li) => li.firstChild?.textContent)).toEqual([
        '4001x10',
      ]),
    );
    act(() => screen.getByRole('button', { name: 'dismiss' }).click());
    expect(screen.queryAllByRole('listitem')).toEqual([]);
  });

  it('error 4003 then close 4003: useAuthRedirect fires exactly once and the socket does not reconnect', async () => {
    const stats = serve((client) => {
      client.send(errorEnvelope(4003, 'token expired'));
      // A send and a close in the same tick would drop the message (msw).
      setTimeout(() => client.close(4003, 'unauthorized'), 5);
    });
    const onAuth = vi.fn();
    renderApp(<AuthRedirect onAuth={onAuth} />);
    await open();
    act(() => screen.getByRole('button', { name: 'go' }).click());
    await waitFor(() => expect(screen.getAllByRole('status')[0]?.textContent).toBe('failed'));
    vi.useFakeTimers();
    await act(() => vi.advanceTimersByTimeAsync(120_000));
    expect(onAuth).toHaveBeenCalledTimes(1);
    expect(stats.connections).toBe(1);
  });
});
