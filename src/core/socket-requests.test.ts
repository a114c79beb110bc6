import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import { faultOf, track } from '../../test/support/track.js';
import { FaultError, isFaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('request', () => {
  it('sets a fresh meta.request_id and resolves with the reply carrying it', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'join', { room: 'general' }));
    const a = ws.frames()[0];
    const id = a?.meta?.request_id;
    expect(typeof id).toBe('string');
    request(s.socket, 'join', { room: 'random' }).catch(() => {});
    expect(ws.frames()[1]?.meta?.request_id).not.toBe(id);
    ws.receive({ type: 'joined', data: { room: 'general' }, meta: { request_id: id } });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.value).toEqual({
      type: 'joined',
      data: { room: 'general' },
      meta: { request_id: id },
    });
    s.socket.close();
  });

  it('rejects with the classified fault of an error envelope with its request_id', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'join', { room: 'nope' }));
    const id = ws.frames()[0]?.meta?.request_id;
    ws.receive({
      type: 'error',
      data: { code: 4001, message: 'Room not found' },
      meta: { request_id: id },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.error).toBeInstanceOf(FaultError);
    expect(faultOf(reply.error)).toMatchObject({
      code: 4001,
      message: 'Room not found',
      requestId: id,
      severity: 'recoverable',
    });
    expect(s.status()).toBe('open');
  });

  it('rejects with request_timeout after timeoutMs, and a late reply is ignored', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'slow', null, { timeoutMs: 500 }));
    await vi.advanceTimersByTimeAsync(499);
    expect(reply.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(faultOf(reply.error)).toMatchObject({
      code: 'request_timeout',
      severity: 'recoverable',
      action: 'none',
    });
    ws.receive({ type: 'slow', data: 1, meta: { request_id: ws.frames()[0]?.meta?.request_id } });
    expect(s.status()).toBe('open');
  });

  it('rejects with request_aborted when its signal aborts, and never sends a queued one', async () => {
    const s = setup();
    const controller = new AbortController();
    const reply = track(request(s.socket, 'x', 1, { signal: controller.signal }));
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(reply.error)).toMatchObject({ code: 'request_aborted' });
    expect(openLast(s).frames()).toEqual([]);
  });

  it('rejects at once when the signal was already aborted', async () => {
    const s = setup();
    openLast(s);
    const reply = track(request(s.socket, 'x', 1, { signal: AbortSignal.abort() }));
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(reply.error)).toMatchObject({ code: 'request_aborted' });
    expect(s.ws().sent).toEqual([]);
  });

  it('a timed-out request still in the queue is never sent later', async () => {
    const s = setup();
    const reply = track(request(s.socket, 'x', 1, { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect(faultOf(reply.error)?.code).toBe('request_timeout');
    expect(openLast(s).frames()).toEqual([]);
  });

  it('rejects with connection_closed when the connection drops after it was sent', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'x', 1));
    ws.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(reply.error)).toMatchObject({ source: 'client', code: 'connection_closed' });
  });

  it('with retryOnReconnect, is sent again after the reconnect and resolves once', async () => {
    const s = setup();
    const first = openLast(s);
    const reply = track(request(s.socket, 'x', 1, { retryOnReconnect: true }));
    const id = first.frames()[0]?.meta?.request_id;
    first.drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const second = openLast(s);
    expect(second.frames()).toEqual([{ type: 'x', data: 1, meta: { request_id: id } }]);
    second.receive({ type: 'x', data: 'ok', meta: { request_id: id } });
    second.receive({ type: 'x', data: 'dup', meta: { request_id: id } });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.value?.data).toBe('ok');
  });

  it('a queued request waits for the open and is sent once', async () => {
    const s = setup();
    const reply = track(request(s.socket, 'x', 1));
    const ws = openLast(s);
    expect(ws.frames()).toHaveLength(1);
    ws.receive({ type: 'x', data: 2, meta: { request_id: ws.frames()[0]?.meta?.request_id } });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.value?.data).toBe(2);
  });

  it('close() settles every pending and queued request', async () => {
    const s = setup();
    const ws = openLast(s);
    const sent = track(request(s.socket, 'a', 1));
    ws.drop(1006);
    const queued = track(request(s.socket, 'b', 2));
    s.socket.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(sent.error)?.code).toBe('connection_closed');
    expect(faultOf(queued.error)?.code).toBe('connection_closed');
    // Only the error store's toast expiry is left, and it ends by itself.
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a fatal failure rejects pending requests with the fatal fault', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'a', 1, { retryOnReconnect: true }));
    ws.drop(1008, 'policy');
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(reply.error)).toMatchObject({ code: 1008, severity: 'fatal' });
  });

  it('an error envelope then a fatal close: a pending request gets that fault without a request id (not a refusal of it)', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'a', 1));
    ws.receive({ type: 'error', data: { code: 4004, message: 'Forbidden' } });
    ws.drop(4004, 'Forbidden');
    await vi.advanceTimersByTimeAsync(0);
    const fatal = s.socket.getSnapshot().lastFault;
    expect(fatal).toMatchObject({ source: 'envelope', code: 4004, severity: 'fatal' });
    expect(faultOf(reply.error)).toEqual(fatal);
    expect(faultOf(reply.error)?.requestId).toBeUndefined();
  });

  it('close() rejects a pending request with a connection_closed fault that names it', async () => {
    const s = setup();
    const ws = openLast(s);
    const reply = track(request(s.socket, 'a', 1));
    const id = ws.frames()[0]?.meta?.request_id;
    s.socket.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(reply.error)).toMatchObject({ code: 'connection_closed', requestId: id });
  });

  it('a send that throws (an empty type) rejects with that TypeError, and nothing stays pending', async () => {
    const s = setup();
    const ws = openLast(s);
    const error: unknown = await request(s.socket, '', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/type/);
    expect(ws.frames()).toEqual([]);
    // Nothing pending: a close settles nothing and reports nothing more.
    const before = s.socket.errors.getState().history.length;
    s.socket.close();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(s.socket.errors.getState().history.length).toBe(before);
  });

  it('rejects (not throws) for something that is not a socket', async () => {
    // A synchronous throw would fail this line: the promise is made first.
    const asked = request({} as never, 'a', 1);
    await expect(asked).rejects.toThrow(/not a socket made by createSocket/);
  });

  it('rejects (not throws) on a closed socket, with a FaultError carrying the request id', async () => {
    const s = setup();
    s.socket.close();
    const error: unknown = await request(s.socket, 'a', 1).catch((e: unknown) => e);
    expect(isFaultError(error)).toBe(true);
    if (isFaultError(error)) {
      expect(error.fault).toMatchObject({ code: 'connection_closed' });
      expect(error.fault.requestId).toEqual(expect.any(String));
    }
  });

  it('no request hangs: 200 requests over drops, timeouts and a close all settle', async () => {
    const s = setup({ requestTimeoutMs: 3000 });
    const replies: Array<ReturnType<typeof track>> = [];
    let ws = openLast(s);
    for (let i = 0; i < 200; i++) {
      replies.push(track(request(s.socket, 'r', i, { retryOnReconnect: i % 3 === 0 })));
      if (i % 50 === 49) {
        ws.drop(1006);
        await vi.advanceTimersByTimeAsync(2000);
        ws = openLast(s);
      }
      if (i % 7 === 0) {
        const id = ws.frames().at(-1)?.meta?.request_id;
        ws.receive({ type: 'r', data: i, meta: { request_id: id } });
      }
    }
    await vi.advanceTimersByTimeAsync(1000);
    s.socket.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(replies.filter((r) => !r.settled)).toHaveLength(0);
    expect(replies.filter((r) => r.value !== undefined).length).toBeGreaterThan(0);
  });
});
