/**
 * App code may call back into the socket from any listener, and may throw from any callback: the
 * state stays consistent (no socket behind a `closed` status, no orphan timer, nothing uncaught).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLast, setup } from '../../test/support/socket-setup.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const beat = { intervalMs: 1000, timeoutMs: 100, probeTimeoutMs: 100 };
/** Lets the error store's TTL run out, so only the socket's own timers can be left. */
const TTL = { recoverableTtlMs: 1000 };

describe('calling back into the socket from a subscribe listener', () => {
  it('close() when open comes back: no heartbeat_timeout and no reconnect afterwards', async () => {
    const s = setup({ heartbeat: beat, errors: TTL });
    s.socket.subscribe(() => {
      if (s.status() === 'open') s.socket.close();
    });
    openLast(s);
    expect(s.status()).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.status()).toBe('closed');
    expect(s.WebSocket.instances).toHaveLength(1);
    expect(s.socket.errors.getState().history).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() while connecting: no socket opens behind a closed status', async () => {
    const s = setup({ heartbeat: false, autoConnect: false });
    s.socket.subscribe(() => {
      if (s.status() === 'connecting') s.socket.close();
    });
    s.socket.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.status()).toBe('closed');
    expect(s.WebSocket.instances).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reconnect() on open leaves no orphan heartbeat to kill the next healthy connection', async () => {
    const s = setup({ heartbeat: beat });
    let once = true;
    s.socket.subscribe(() => {
      if (s.status() === 'open' && once) {
        once = false;
        s.socket.reconnect();
      }
    });
    openLast(s);
    const second = openLast(s);
    expect(s.WebSocket.instances).toHaveLength(2);
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(500);
      second.receive({ type: 'tick' });
    }
    expect(s.status()).toBe('open');
    expect(s.WebSocket.instances).toHaveLength(2);
    expect(second.closedByClient).toBeNull();
    s.socket.close();
  });

  it('close() while reconnecting leaves no lost or suspend timer armed', async () => {
    const s = setup({ heartbeat: false, errors: TTL });
    s.socket.subscribe(() => {
      if (s.status() === 'reconnecting') s.socket.close();
    });
    openLast(s).drop(1006);
    expect(s.status()).toBe('closed');
    await vi.advanceTimersByTimeAsync(1000); // the toast's TTL
    expect(vi.getTimerCount()).toBe(0);
    expect(s.socket.getSnapshot()).toMatchObject({
      status: 'closed',
      lost: false,
      suspended: false,
    });
  });
});

describe('throwing app callbacks', () => {
  it('a subscribe listener that throws on open: the queue is flushed, the heartbeat runs, one callback_error', async () => {
    const s = setup({ heartbeat: beat });
    s.socket.send('early', 1);
    s.socket.subscribe(() => {
      throw new Error('listener bug');
    });
    const ws = openLast(s);
    expect(s.status()).toBe('open');
    expect(ws.frames().map((f) => f.type)).toEqual(['early']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.frames().map((f) => f.type)).toEqual(['early', 'ping']);
    const codes = s.socket.errors.getState().history.map((f) => f.code);
    expect(codes).toContain('callback_error');
    expect(s.socket.errors.getState().history.find((f) => f.code === 'callback_error')?.count).toBe(
      1,
    );
    s.socket.close();
  });

  it('an error store subscriber that throws during a fatal close: status failed, the request rejected', async () => {
    const s = setup({ heartbeat: false });
    const ws = openLast(s);
    const reply = request(s.socket, 'join', { room: 'a' }).catch((error: unknown) => error);
    s.socket.errors.subscribe(() => {
      throw new Error('store subscriber bug');
    });
    ws.drop(1008, 'policy');
    expect(s.status()).toBe('failed');
    expect(await reply).toMatchObject({ fault: { code: 1008 } });
  });

  it('a backoff function that throws: the default policy times the retry, one callback_error', async () => {
    const s = setup({
      heartbeat: false,
      backoff: () => {
        throw new Error('policy bug');
      },
    });
    openLast(s).drop(1006);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.errors.getState().history.map((f) => f.code)).toContain('callback_error');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });
});

describe('reconnect() inside reconnect()', () => {
  it('a listener calling reconnect() on the reset leaves one live WebSocket, not two (found by the property test)', () => {
    const s = setup({ heartbeat: false });
    s.ws().drop(1000);
    const off = s.socket.subscribe(() => {
      off();
      s.socket.reconnect();
    });
    s.socket.reconnect();
    const live = s.WebSocket.instances.filter(
      (ws) => ws.readyState < 2 && ws.closedByClient === null,
    );
    expect(live).toHaveLength(1);
    s.socket.close();
  });
});
