/**
 * Auth failures end to end over msw: error 4003 then close 4003 is one fatal fault and no retry;
 * with `refreshAuth`, one refresh and one reconnect with a fresh token; a second failure is final.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { englishTexts } from '../protocol/english.js';
import { createScenario } from '../testing/scenario.js';
import { createSocket } from './socket.js';

const BASE = 'wss://auth.test/ws';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

function start(refreshAuth?: () => Promise<void>) {
  vi.useFakeTimers({ now: 0 });
  const scenario = createScenario(BASE);
  server.use(scenario.handler);
  let token = 1;
  const urls: string[] = [];
  const socket = createSocket({
    classification: { messages: englishTexts() },
    url: () => `${BASE}?token=t${token}`,
    random: () => 0.5,
    environment: false,
    heartbeat: false,
    ...(refreshAuth
      ? {
          refreshAuth: vi.fn(async () => {
            await refreshAuth();
            token += 1;
          }),
        }
      : {}),
  });
  socket.subscribe(() => urls.push(socket.getSnapshot().status));
  return { scenario, socket };
}

describe('auth failures', () => {
  it('error 4003 then close 4003: one fatal fault, status failed, zero reconnects over 10 minutes', async () => {
    const { scenario, socket } = start();
    await vi.advanceTimersByTimeAsync(0);
    scenario.expireToken('Token expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.getSnapshot().status).toBe('failed');
    const { history, fatal } = socket.errors.getState();
    expect(history).toHaveLength(1);
    expect(fatal).toMatchObject({
      source: 'envelope',
      code: 4003,
      message: 'Token expired',
      severity: 'fatal',
      action: 'reauthenticate',
      kind: 'connection',
    });
    expect(fatal?.detail.closeCode).toBe(4003);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(scenario.connections).toBe(1);
  });

  it('with refreshAuth: one refresh, one reconnect with the fresh token, no fatal fault', async () => {
    const refresh = vi.fn(async () => {});
    const { scenario, socket } = start(refresh);
    await vi.advanceTimersByTimeAsync(0);
    scenario.expireToken();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(scenario.connections).toBe(2);
    expect(scenario.urls.map((u) => u.searchParams.get('token'))).toEqual(['t1', 't2']);
    expect(socket.getSnapshot().status).toBe('open');
    expect(socket.errors.getState().fatal).toBeNull();
    expect(socket.errors.getState().history[0]).toMatchObject({
      code: 4003,
      severity: 'recoverable',
      action: 'reauthenticate',
    });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(scenario.connections).toBe(2);
  });

  it('a second auth failure in a row is final: no second refresh', async () => {
    const refresh = vi.fn(async () => {});
    const { scenario, socket } = start(refresh);
    scenario.onConnection(() => scenario.expireToken());
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(scenario.connections).toBe(2);
    expect(socket.getSnapshot().status).toBe('failed');
    expect(socket.errors.getState().fatal).toMatchObject({ code: 4003, severity: 'fatal' });
  });

  it('after a stable period, a new auth failure gets a refresh again', async () => {
    const refresh = vi.fn(async () => {});
    const { scenario, socket } = start(refresh);
    await vi.advanceTimersByTimeAsync(0);
    scenario.expireToken();
    await vi.advanceTimersByTimeAsync(10_000);
    scenario.expireToken();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(scenario.connections).toBe(3);
    expect(socket.getSnapshot().status).toBe('open');
  });

  it('a refresh that throws makes the auth fault fatal', async () => {
    const { scenario, socket } = start(async () => {
      throw new Error('refresh token revoked');
    });
    await vi.advanceTimersByTimeAsync(0);
    scenario.expireToken();
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.getSnapshot().status).toBe('failed');
    expect(socket.errors.getState().fatal?.detail.cause).toContain('refresh token revoked');
    expect(scenario.connections).toBe(1);
  });

  it('reconnect() after the redirect-to-login starts over and clears the fatal fault on open', async () => {
    const { scenario, socket } = start();
    await vi.advanceTimersByTimeAsync(0);
    scenario.expireToken();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.errors.getState().fatal).not.toBeNull();
    socket.reconnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.getSnapshot()).toMatchObject({ status: 'open', attempt: 0 });
    expect(socket.errors.getState().fatal).toBeNull();
    expect(scenario.connections).toBe(2);
  });

  it('a lone 4003 error envelope (no close) with refreshAuth refreshes and reconnects', async () => {
    const refresh = vi.fn(async () => {});
    const { scenario, socket } = start(refresh);
    await vi.advanceTimersByTimeAsync(0);
    scenario.sendError(4003, 'Token expired');
    await vi.advanceTimersByTimeAsync(999);
    expect(refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(scenario.connections).toBe(2);
    expect(socket.getSnapshot().status).toBe('open');
  });

  it('a lone 4003 without refreshAuth is a fatal fault in the store, and the connection stays', async () => {
    const { scenario, socket } = start();
    await vi.advanceTimersByTimeAsync(0);
    scenario.sendError(4003, 'Token expired');
    await vi.advanceTimersByTimeAsync(5000);
    expect(socket.errors.getState().fatal).toMatchObject({ code: 4003, action: 'reauthenticate' });
    expect(socket.getSnapshot().status).toBe('open');
  });

  it('never puts the token in a fault, the store or the log', async () => {
    const logged: string[] = [];
    vi.useFakeTimers({ now: 0 });
    const scenario = createScenario(BASE);
    server.use(scenario.handler);
    const socket = createSocket({
      classification: { messages: englishTexts() },
      url: `${BASE}?token=supersecret`,
      environment: false,
      heartbeat: false,
      errors: { onFault: (fault, log) => logged.push(JSON.stringify({ fault, log })) },
    });
    await vi.advanceTimersByTimeAsync(0);
    scenario.errorThenClose(4004, 'Forbidden for token=supersecret');
    await vi.advanceTimersByTimeAsync(0);
    const everything = JSON.stringify(socket.errors.getState().history) + logged.join();
    expect(logged.length).toBeGreaterThan(0);
    expect(everything).toContain('auth.test');
    expect(everything).not.toContain('supersecret');
  });
});
