/**
 * Every close row of SPEC.md section 2, end to end: a scripted msw server (happy-dom's WebSocket,
 * patched by msw) closes with the code, and the socket's state, fault and next delay must follow.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaultAction, FaultSeverity } from '../protocol/fault.js';
import { createScenario } from '../testing/scenario.js';
import { createSocket } from './socket.js';

const URL = 'wss://close-codes.test/ws';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const RECONNECT_MS = 625; // random 0.5: 250 + 0.5 × (1000 − 250)
const THROTTLE_MS = 5500; // no hint: the 5000 ms throttle floor + 0.5 × one base (1000)

type Row = [
  code: number,
  severity: FaultSeverity,
  action: FaultAction,
  status: 'reconnecting' | 'failed',
  delayMs: number | null,
];
const rows: Row[] = [
  ...[1000, 1001, 1005, 1006, 1011, 1012, 1014].map(
    (c): Row => [c, 'recoverable', 'reconnect', 'reconnecting', RECONNECT_MS],
  ),
  ...[1013, 4005].map((c): Row => [c, 'recoverable', 'backoff', 'reconnecting', THROTTLE_MS]),
  ...[1002, 1003, 1007, 1009, 1010, 1015].map((c): Row => [c, 'fatal', 'stop', 'failed', null]),
  ...[1008, 4004, 3003].map((c): Row => [c, 'fatal', 'stop', 'failed', null]),
  ...[4003, 3000].map((c): Row => [c, 'fatal', 'reauthenticate', 'failed', null]),
  ...[4000, 4001, 4002].map((c): Row => [c, 'fatal', 'stop', 'failed', null]),
  ...[3001, 3999, 4006, 4999].map(
    (c): Row => [c, 'recoverable', 'reconnect', 'reconnecting', RECONNECT_MS],
  ),
  ...[5000].map((c): Row => [c, 'recoverable', 'reconnect', 'reconnecting', RECONNECT_MS]),
];

/** A socket with deterministic jitter, open on a fresh scripted server, under fake timers. */
async function start(now = 0) {
  vi.useFakeTimers({ now });
  const scenario = createScenario(URL);
  server.use(scenario.handler);
  const socket = createSocket({
    url: URL,
    random: () => 0.5,
    environment: false,
    heartbeat: false,
  });
  await vi.advanceTimersByTimeAsync(0);
  return { scenario, socket };
}

describe('a server close drives the state per the close-code table', () => {
  it.each(rows)(
    'close %i → %s / %s → %s after %s ms',
    async (code, severity, action, status, delayMs) => {
      const { scenario, socket } = await start(1_000_000);
      expect(socket.getSnapshot().status).toBe('open');

      scenario.close(code, 'bye');
      await vi.advanceTimersByTimeAsync(0);
      const snapshot = socket.getSnapshot();
      expect(snapshot.status).toBe(status);
      expect(snapshot.lastFault).toMatchObject({ source: 'close', code, severity, action });
      expect(socket.errors.getState().history[0]).toMatchObject({ code, severity, action });

      if (delayMs === null) {
        // Fatal: no attempt at all, however long we wait.
        await vi.advanceTimersByTimeAsync(10 * 60_000);
        expect(scenario.connections).toBe(1);
        expect(socket.getSnapshot().status).toBe('failed');
      } else {
        expect(snapshot.status === 'reconnecting' && snapshot.nextRetryAt).toBe(
          Date.now() + delayMs,
        );
        await vi.advanceTimersByTimeAsync(delayMs - 1);
        expect(scenario.connections).toBe(1);
        await vi.advanceTimersByTimeAsync(1);
        expect(scenario.connections).toBe(2);
        expect(socket.getSnapshot().status).toBe('open');
      }
      socket.close();
    },
  );

  it('a close the client asked for is no fault and no retry', async () => {
    vi.useFakeTimers({ now: 0 });
    const scenario = createScenario(URL);
    server.use(scenario.handler);
    const socket = createSocket({ url: URL, environment: false, heartbeat: false });
    await vi.advanceTimersByTimeAsync(0);
    socket.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(socket.getSnapshot().status).toBe('closed');
    expect(socket.errors.getState().history).toEqual([]);
    expect(scenario.connections).toBe(1);
  });

  it('1013 with a retry_after_ms hint in the error before it waits at least the hint', async () => {
    const { scenario, socket } = await start(0);
    scenario.errorThenClose(4005, 'Too many connections', {
      retryAfterMs: 12_000,
      closeCode: 1013,
    });
    await vi.advanceTimersByTimeAsync(0);
    const snapshot = socket.getSnapshot();
    expect(snapshot.status).toBe('reconnecting');
    expect(socket.errors.getState().history).toHaveLength(1);
    expect(snapshot.lastFault).toMatchObject({
      code: 4005,
      action: 'backoff',
      retryAfterMs: 12_000,
    });
    await vi.advanceTimersByTimeAsync(11_999);
    expect(scenario.connections).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(scenario.connections).toBe(2);
    socket.close();
  });
});

describe('error-then-close pairing', () => {
  it('a restart (1012) right after an unrelated request error stays its own fault', async () => {
    const { scenario, socket } = await start(0);
    scenario.sendError(4002, 'Room "archive" is closed');
    await vi.advanceTimersByTimeAsync(10);
    scenario.close(1012, 'Service restart');
    await vi.advanceTimersByTimeAsync(0);
    const codes = socket.errors.getState().history.map((f) => [f.code, f.action]);
    expect(codes).toEqual([
      [1012, 'reconnect'],
      [4002, 'none'],
    ]);
    expect(socket.getSnapshot().lastFault).toMatchObject({ source: 'close', code: 1012 });
    socket.close();
  });
});
