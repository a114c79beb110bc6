/** Timing rules of the connection with a hand-driven WebSocket and fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const beat = { intervalMs: 1000, timeoutMs: 500, probeTimeoutMs: 200 };

describe('heartbeat', () => {
  it('pings after intervalMs without a frame and reconnects when nothing answers within timeoutMs', async () => {
    const s = setup({ heartbeat: beat });
    const ws = openLast(s);
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    await vi.advanceTimersByTimeAsync(499);
    expect(s.status()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      source: 'transport',
      code: 'heartbeat_timeout',
      action: 'reconnect',
    });
    expect(ws.closedByClient).toEqual({ code: 1000, reason: 'heartbeat timeout' });
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(2);
  });

  it('any inbound frame counts as alive: a link busier than 3/4 of the interval is never pinged', async () => {
    const s = setup({ heartbeat: beat });
    const ws = openLast(s);
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(700);
      ws.receive({ type: 'tick', data: i });
    }
    expect(ws.sent).toEqual([]);
    expect(s.status()).toBe('open');
  });

  it('after the last frame, the ping comes no later than one interval of silence', async () => {
    const s = setup({ heartbeat: beat });
    const ws = openLast(s);
    await vi.advanceTimersByTimeAsync(500);
    ws.receive({ type: 'tick' });
    await vi.advanceTimersByTimeAsync(999); // 999 ms after the frame: not silent for an interval yet
    expect(ws.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1); // one whole interval of silence: the ping goes out now
    expect(ws.sent).toEqual(['{"type":"ping"}']);
  });

  it('a pong keeps the link and is not delivered to handlers', async () => {
    const s = setup({ heartbeat: beat });
    const seen: string[] = [];
    s.socket.on('*', (e) => seen.push(e.type));
    const ws = openLast(s);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      ws.receive({ type: 'pong' });
    }
    expect(ws.sent.length).toBe(5);
    expect(s.status()).toBe('open');
    expect(seen).toEqual([]);
  });

  it('answers a server ping with a pong', () => {
    const s = setup({ heartbeat: beat });
    const ws = openLast(s);
    ws.receive({ type: 'ping' });
    expect(ws.sent).toEqual(['{"type":"pong"}']);
  });

  it('uses the configured ping and pong types', async () => {
    const s = setup({ heartbeat: { ...beat, pingType: 'hb', pongType: 'hb_ack' } });
    const ws = openLast(s);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toEqual(['{"type":"hb"}']);
    ws.receive({ type: 'hb_ack' });
    await vi.advanceTimersByTimeAsync(600);
    expect(s.status()).toBe('open');
  });

  it('heartbeat: false sends no ping and never times out', async () => {
    const s = setup({ heartbeat: false });
    const ws = openLast(s);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(ws.sent).toEqual([]);
    expect(s.status()).toBe('open');
  });

  it('a check firing long after its time (the machine slept) probes at once with the short timeout', async () => {
    const s = setup({ heartbeat: { ...beat, wakeThresholdMs: 5000 } });
    const ws = openLast(s);
    vi.setSystemTime(Date.now() + 60_000); // the clock jumps; the next check (a quarter interval) fires late
    await vi.advanceTimersByTimeAsync(250);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    await vi.advanceTimersByTimeAsync(199);
    expect(s.status()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(s.status()).toBe('reconnecting');
  });
});

describe('connect timeout', () => {
  it('a handshake that hangs is a connect_timeout fault and a retry', async () => {
    const s = setup({ connectTimeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(2999);
    expect(s.status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      code: 'connect_timeout',
      kind: 'transport',
      severity: 'recoverable',
    });
    expect(s.WebSocket.instances[0]?.closedByClient).not.toBeNull();
    expect(s.WebSocket.instances[0]?.listenerCount('open')).toBe(0);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(2);
  });

  it('an open in time cancels it', async () => {
    const s = setup({ connectTimeoutMs: 3000 });
    openLast(s);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.status()).toBe('open');
  });
});

describe('backoff and flapping', () => {
  it('retries grow with the attempt while the server keeps refusing', async () => {
    const s = setup({ random: () => 0.999999, maxHandshakeFailures: 100 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      s.ws().drop(1006);
      const snap = s.socket.getSnapshot();
      if (snap.status !== 'reconnecting' || snap.nextRetryAt === null)
        throw new Error('not reconnecting');
      delays.push(Math.round(snap.nextRetryAt - Date.now()));
      await vi.advanceTimersByTimeAsync(snap.nextRetryAt - Date.now());
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000]);
    expect(s.socket.getSnapshot().attempt).toBe(6);
  });

  it('minUptimeMs: a connection that drops right after opening does not reset the attempt counter', async () => {
    const s = setup({ minUptimeMs: 5000 });
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    openLast(s);
    expect(s.socket.getSnapshot().attempt).toBe(1);
    await vi.advanceTimersByTimeAsync(4999);
    s.ws().drop(1006);
    expect(s.socket.getSnapshot().attempt).toBe(2);
    const snap = s.socket.getSnapshot();
    expect(snap.status === 'reconnecting' && (snap.nextRetryAt ?? 0) - Date.now()).toBe(
      250 + 0.5 * 1750,
    );
  });

  it('minUptimeMs: a connection that stayed up resets the attempt counter', async () => {
    const s = setup({ minUptimeMs: 5000 });
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    openLast(s);
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.socket.getSnapshot().attempt).toBe(0);
    s.ws().drop(1006);
    expect(s.socket.getSnapshot().attempt).toBe(1);
  });

  it('maxAttempts: gives up with a fatal fault', async () => {
    const s = setup({ backoff: { maxAttempts: 2 }, maxHandshakeFailures: 100 });
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(2000);
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(5000);
    s.ws().drop(1006);
    expect(s.status()).toBe('failed');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ severity: 'fatal', action: 'stop' });
    expect(s.socket.getSnapshot().lastFault?.message).not.toMatch(/reconnecting/i);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(3);
  });

  it('a function policy decides the delay and can stop', async () => {
    const seen: number[] = [];
    const s = setup({
      backoff: ({ attempt }) => {
        seen.push(attempt);
        return attempt < 3 ? attempt * 100 : null;
      },
      maxHandshakeFailures: 100,
    });
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(200);
    s.ws().drop(1006);
    expect(seen).toEqual([1, 2, 3]);
    expect(s.status()).toBe('failed');
  });

  it('reconnect() retries at once and resets the attempt counter', async () => {
    const s = setup();
    s.ws().drop(1006);
    expect(s.socket.getSnapshot().attempt).toBe(1);
    s.socket.reconnect();
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'connecting', attempt: 0 });
    expect(s.WebSocket.instances).toHaveLength(2);
  });

  it('reconnect() on an open socket replaces the connection', () => {
    const s = setup();
    const first = openLast(s);
    s.socket.reconnect();
    expect(first.closedByClient?.code).toBe(1000);
    expect(s.WebSocket.instances).toHaveLength(2);
    openLast(s);
    expect(s.status()).toBe('open');
  });
});

describe('handshake failures', () => {
  it('three failures before any open say unreachable, and refreshAuth runs once before the next try', async () => {
    const refreshAuth = vi.fn();
    const s = setup({ refreshAuth, maxHandshakeFailures: 3 });
    const failOnce = async () => {
      s.ws().drop(1006);
      await vi.advanceTimersByTimeAsync(0);
      const snap = s.socket.getSnapshot();
      if (snap.status === 'reconnecting' && snap.nextRetryAt !== null) {
        await vi.advanceTimersByTimeAsync(snap.nextRetryAt - Date.now());
      }
    };
    await failOnce();
    await failOnce();
    expect(refreshAuth).not.toHaveBeenCalled();
    expect(s.socket.errors.getState().history[0]?.code).toBe(1006);
    await failOnce();
    expect(s.socket.errors.getState().history[0]).toMatchObject({
      code: 'unreachable',
      severity: 'recoverable',
    });
    expect(s.socket.errors.getState().history[0]?.message).toMatch(/unreachable|refused/i);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(s.WebSocket.instances).toHaveLength(4);
    await failOnce();
    expect(refreshAuth).toHaveBeenCalledTimes(1);
  });

  it('the URL function is called for every attempt (fresh token), and faults show it redacted', async () => {
    let n = 0;
    const s = setup({ url: () => `wss://chat.test/ws?token=t${++n}` });
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances.map((w) => w.url)).toEqual([
      'wss://chat.test/ws?token=t1',
      'wss://chat.test/ws?token=t2',
    ]);
    expect(s.socket.errors.getState().history[0]?.detail.url).toBe('wss://chat.test/ws?[redacted]');
  });

  it('an async URL function is awaited; one that rejects is a url_failed fault (not network_lost) and a retry', async () => {
    let calls = 0;
    const s = setup({
      url: async () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down');
        return 'wss://chat.test/ws';
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      source: 'client',
      code: 'url_failed',
      kind: 'connection',
      message: 'Could not prepare the connection. Retrying…',
    });
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(1);
    expect(s.WebSocket.last().url).toBe('wss://chat.test/ws');
  });

  it('a WebSocket constructor that throws (bad URL) is fatal, not a retry loop', () => {
    const s = setup({
      WebSocket: class {
        constructor() {
          throw new SyntaxError('bad url');
        }
      } as never,
    });
    expect(s.status()).toBe('failed');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ severity: 'fatal', action: 'stop' });
  });
});

describe('lost and suspended', () => {
  it('lost only after the grace period, so a blip shows no banner', async () => {
    const s = setup({ lostAfterMs: 5000 });
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    openLast(s);
    expect(s.socket.getSnapshot().lost).toBe(false);
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(4999);
    expect(s.socket.getSnapshot().lost).toBe(false);
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.socket.getSnapshot().lost).toBe(true);
  });

  it('after suspendAfterMs queued sends and pending requests fail, later sends are rejected, retries slow down', async () => {
    const s = setup({ suspendAfterMs: 10_000, maxHandshakeFailures: 1000, heartbeat: false });
    openLast(s);
    const asked = request(s.socket, 'r', 1).catch((e: unknown) => e);
    s.ws().drop(1006);
    s.socket.send('queued', 1);
    const queuedRequest = request(s.socket, 'r', 2).catch((e: unknown) => e);
    for (let t = 0; t < 10_000; t += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      if (s.status() === 'connecting') s.ws().drop(1006);
    }
    expect(s.socket.getSnapshot().suspended).toBe(true);
    expect(await asked).toMatchObject({ fault: { code: 'connection_closed' } });
    expect(await queuedRequest).toMatchObject({ fault: { code: 'connection_closed' } });
    expect(s.socket.send('late', 1).status).toBe('rejected');
    while (s.status() !== 'connecting') await vi.advanceTimersByTimeAsync(1000);
    s.ws().drop(1006);
    const snap = s.socket.getSnapshot();
    expect(
      snap.status === 'reconnecting' && (snap.nextRetryAt ?? 0) - Date.now(),
    ).toBeGreaterThanOrEqual(30_000);
    while (s.status() !== 'connecting') await vi.advanceTimersByTimeAsync(1000);
    openLast(s);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'open', suspended: false, lost: false });
    expect(
      s
        .ws()
        .frames()
        .map((f) => f.type),
    ).not.toContain('queued');
  });
});

describe('close', () => {
  it('leaves no timer and no listener behind', async () => {
    const s = setup({ heartbeat: beat });
    const ws = openLast(s);
    s.socket.send('x', 1);
    s.socket.close();
    expect(ws.listenerCount()).toBe(1); // the no-op error listener the ws package needs
    expect(vi.getTimerCount()).toBe(0);
    expect(s.status()).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
  });

  it('passes its code and reason to the WebSocket', () => {
    const s = setup();
    const ws = openLast(s);
    s.socket.close(4000, 'logout');
    expect(ws.closedByClient).toEqual({ code: 4000, reason: 'logout' });
  });

  it('connect() after close() starts a fresh session', () => {
    const s = setup();
    openLast(s);
    s.socket.close();
    s.socket.connect();
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'connecting', attempt: 0 });
    openLast(s);
    expect(s.status()).toBe('open');
  });

  it('a late event from an abandoned WebSocket changes nothing', async () => {
    const s = setup({ connectTimeoutMs: 100 });
    await vi.advanceTimersByTimeAsync(100);
    const stale = s.WebSocket.instances[0];
    stale?.open();
    stale?.receive({ type: 'chat', data: 1 });
    expect(s.status()).toBe('reconnecting');
  });
});
