import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLast, setup } from '../../test/support/socket-setup.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('send', () => {
  it('goes out at once while open', () => {
    const s = setup();
    const ws = openLast(s);
    expect(s.socket.send('chat', { text: 'hi' })).toEqual({ status: 'sent' });
    expect(ws.frames()).toEqual([{ type: 'chat', data: { text: 'hi' } }]);
  });

  it('keeps meta when given', () => {
    const s = setup();
    const ws = openLast(s);
    s.socket.send('chat', 1, { trace: 'x' });
    expect(ws.frames()[0]).toEqual({ type: 'chat', data: 1, meta: { trace: 'x' } });
  });

  it('is queued while connecting and flushed in order on open', () => {
    const s = setup();
    expect(s.socket.send('a', 1)).toEqual({ status: 'queued' });
    expect(s.socket.send('b', 2)).toEqual({ status: 'queued' });
    const ws = openLast(s);
    s.socket.send('c', 3);
    expect(ws.frames().map((f) => f.type)).toEqual(['a', 'b', 'c']);
  });

  it('is queued while reconnecting and flushed once, in order, on the next open', async () => {
    const s = setup();
    const first = openLast(s);
    s.socket.send('before', 0);
    first.drop(1006);
    expect(s.status()).toBe('reconnecting');
    for (let i = 1; i <= 3; i++) expect(s.socket.send('during', i).status).toBe('queued');
    await vi.advanceTimersByTimeAsync(1000);
    const second = openLast(s);
    expect(second.frames().map((f) => f.data)).toEqual([1, 2, 3]);
    expect(first.frames()).toHaveLength(1);
  });

  it('is queued while idle (autoConnect false) and flushed on connect', () => {
    const s = setup({ autoConnect: false });
    expect(s.socket.send('early', 1).status).toBe('queued');
    expect(s.WebSocket.instances).toHaveLength(0);
    s.socket.connect();
    expect(openLast(s).frames()).toEqual([{ type: 'early', data: 1 }]);
  });

  it('rejects the send past the queue bound with a queue_overflow fault, reported to the store', () => {
    const s = setup({ maxQueue: 2 });
    s.socket.send('a', 1);
    s.socket.send('b', 2);
    const result = s.socket.send('c', 3);
    expect(result.status).toBe('rejected');
    if (result.status !== 'rejected') return;
    expect(result.fault).toMatchObject({
      source: 'client',
      code: 'queue_overflow',
      severity: 'recoverable',
      action: 'none',
    });
    expect(s.socket.errors.getState().history[0]?.id).toBe(result.fault.id);
    expect(
      openLast(s)
        .frames()
        .map((f) => f.type),
    ).toEqual(['a', 'b']);
  });

  it('after close() or a fatal failure, send returns rejected with a fault naming the fix (it used to throw)', () => {
    const s = setup();
    openLast(s);
    s.socket.close();
    const closed = s.socket.send('x', 1);
    expect(closed).toMatchObject({
      status: 'rejected',
      fault: { source: 'client', code: 'connection_closed' },
    });
    if (closed.status === 'rejected')
      expect(closed.fault.detail.cause).toMatch(/closed.*connect\(\)/);
    const t = setup();
    openLast(t).drop(4004, 'forbidden');
    expect(t.status()).toBe('failed');
    const failed = t.socket.send('x', 1);
    expect(failed.status).toBe('rejected');
    if (failed.status === 'rejected')
      expect(failed.fault.detail.cause).toMatch(/failed.*reconnect\(\)/);
    expect(t.socket.errors.getState().history).toHaveLength(1); // only the 4004, no toast per send
  });

  it('throws on an empty type', () => {
    const s = setup();
    expect(() => s.socket.send('', 1)).toThrow(TypeError);
  });

  it('reports every queued send that close() discards: nothing is dropped silently', () => {
    const s = setup();
    s.socket.send('a', 1);
    s.socket.send('b', 2);
    s.socket.close();
    const [entry] = s.socket.errors.getState().history;
    expect(entry).toMatchObject({ code: 'connection_closed', count: 2 });
  });

  it('holds the queue on a 4005 error envelope for retry_after_ms, then flushes in order', async () => {
    const s = setup();
    const ws = openLast(s);
    ws.receive({
      type: 'error',
      data: { code: 4005, message: 'Slow down' },
      meta: { retry_after_ms: 3000 },
    });
    expect(s.socket.send('a', 1).status).toBe('queued');
    expect(s.socket.send('b', 2).status).toBe('queued');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ code: 4005, action: 'backoff' });
    await vi.advanceTimersByTimeAsync(2999);
    expect(ws.frames()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.frames().map((f) => f.type)).toEqual(['a', 'b']);
    expect(s.status()).toBe('open');
  });
});
