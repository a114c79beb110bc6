/** One failure, one correct decision: rules of SPEC.md sections 2 and 3 that used to go wrong. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLast, setup } from '../../test/support/socket-setup.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('fault decisions', () => {
  it('error 4003 then close 1008 calls refreshAuth and reconnects (it was `stop`: no refresh, no redirect)', async () => {
    const refreshAuth = vi.fn(async () => {});
    const s = setup({ heartbeat: false, refreshAuth });
    const ws = openLast(s);
    ws.receive({ type: 'error', data: { code: 4003, message: 'Token expired' } });
    ws.drop(1008, 'policy');
    await vi.advanceTimersByTimeAsync(0);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });

  it('error 4003 then close 1008 without a refresher is a fatal reauthenticate fault (auth redirect)', () => {
    const s = setup({ heartbeat: false });
    const ws = openLast(s);
    ws.receive({ type: 'error', data: { code: 4003, message: 'Token expired' } });
    ws.drop(1008, 'policy');
    expect(s.status()).toBe('failed');
    expect(s.socket.errors.getState().fatal).toMatchObject({
      code: 4003,
      action: 'reauthenticate',
    });
  });

  it('going offline with an open socket is an offline fault, not heartbeat_timeout', async () => {
    const window = new EventTarget();
    const navigator = { onLine: true };
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const s = setup({
      heartbeat: { intervalMs: 10_000, timeoutMs: 1000, probeTimeoutMs: 200 },
      environment: { window, document, navigator } as never,
    });
    openLast(s);
    navigator.onLine = false;
    window.dispatchEvent(new Event('offline'));
    await vi.advanceTimersByTimeAsync(200);
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      source: 'transport',
      code: 'offline',
    });
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    s.socket.close();
  });

  it('after refreshAuth for repeated handshake failures, the next attempt goes at once', async () => {
    const refreshAuth = vi.fn(async () => {});
    const s = setup({
      heartbeat: false,
      refreshAuth,
      maxHandshakeFailures: 2,
      backoff: { jitter: 'none' },
    });
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(1000); // the first retry (base 1000, no jitter)
    expect(s.WebSocket.instances).toHaveLength(2);
    s.ws().drop(1006); // the second failure in a row: unreachable, refresh first
    await vi.advanceTimersByTimeAsync(0);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(s.WebSocket.instances).toHaveLength(3);
    s.socket.close();
  });

  it('500 rate-limit envelopes change the snapshot once, not 500 times', () => {
    const s = setup({ heartbeat: false });
    const ws = openLast(s);
    let changes = 0;
    s.socket.subscribe(() => {
      changes += 1;
    });
    for (let i = 0; i < 500; i++) {
      ws.receive({ type: 'error', data: { code: 4005, message: 'Slow down' } });
    }
    expect(changes).toBe(1);
    expect(s.socket.errors.getState().history[0]).toMatchObject({ code: 4005, count: 500 });
    s.socket.close();
  });
});

describe('one failure, one report', () => {
  it('an error envelope then its close call onFault once, under one id (it was twice)', () => {
    const onFault = vi.fn();
    const s = setup({ heartbeat: false, errors: { onFault } });
    const ws = openLast(s);
    ws.receive({ type: 'error', data: { code: 4004, message: 'Forbidden' } });
    ws.drop(4004, 'forbidden');
    expect(s.status()).toBe('failed');
    expect(onFault).toHaveBeenCalledTimes(1);
    const history = s.socket.errors.getState().history;
    expect(history).toHaveLength(1);
    expect(history[0]?.detail.closeCode).toBe(4004);
  });
});

describe('unreachable says why it may be', () => {
  it('names the subprotocols asked for, since a server that selects none fails every handshake', async () => {
    const s = setup({
      heartbeat: false,
      protocols: ['chat.v2'],
      maxHandshakeFailures: 2,
      backoff: { jitter: 'none' },
    });
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    s.ws().drop(1006);
    const fault = s.socket.getSnapshot().lastFault;
    expect(fault?.code).toBe('unreachable');
    expect(fault?.detail.cause).toMatch(/subprotocols asked: chat\.v2/);
    s.socket.close();
  });
});
