/**
 * Delivery on the client (SPEC.md section 7, docs/protocol.md "Delivery"), against a fake
 * WebSocket that plays the server's side of the wire protocol by hand: hello, welcome, acks,
 * resend after a drop, duplicates, resync, and a plain server.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeWebSocket } from '../../test/support/fake-websocket.js';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import type { Delivered } from '../delivery/ledger.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { FaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';
import type { SendResult } from './types.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

type Frame = ReturnType<FakeWebSocket['frames']>[number];
const hello = (ws: FakeWebSocket): Frame => {
  const frame = ws.frames().find((f) => f.type === 'sockguard.hello');
  if (!frame) throw new Error('no hello sent');
  return frame;
};
const welcome = (
  ws: FakeWebSocket,
  data: {
    session?: string;
    resumed?: boolean;
    seq?: number;
    acked?: number;
    replay?: number;
    reason?: string;
  } = {},
) =>
  ws.receive({
    type: 'sockguard.welcome',
    data: { v: 1, session: 's1', resumed: false, seq: 0, acked: 0, secret: 'k1', ...data },
    meta: { request_id: hello(ws).meta?.request_id },
  });
const ack = (ws: FakeWebSocket, seq: number) =>
  ws.receive({ type: 'sockguard.ack', data: { seq } });
const appFrames = (ws: FakeWebSocket) =>
  ws.frames().filter((f) => !f.type.startsWith('sockguard.'));
const seqs = (ws: FakeWebSocket) => appFrames(ws).map((f) => f.meta?.seq);

/** The receipt of a send that was not refused. */
function receipt(result: SendResult): Promise<Delivered> {
  if (result.status === 'rejected' || !result.delivered) throw new Error('no receipt');
  return result.delivered;
}

async function reconnectAfterDrop(s: ReturnType<typeof setup>) {
  s.ws().drop(1006);
  await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
  return openLast(s);
}

describe('delivery: hello and welcome', () => {
  it('the hello is the first frame of a connection, and sends wait for the welcome', () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    expect(s.socket.send('chat', { text: 'a' }).status).toBe('queued');
    expect(ws.frames()).toHaveLength(1);
    expect(hello(ws).data).toEqual({ v: 1, session: null, last_seq: 0 });
    welcome(ws);
    expect(appFrames(ws)).toEqual([{ type: 'chat', data: { text: 'a' }, meta: { seq: 1 } }]);
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({
      mode: 'on',
      session: 's1',
      unacked: 1,
    });
    s.socket.close();
  });

  it('the welcome and acks never reach handlers', () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    const seen = vi.fn();
    s.socket.on('*', seen);
    welcome(ws);
    ack(ws, 0);
    expect(seen).not.toHaveBeenCalled();
    s.socket.close();
  });
});

describe('delivery: acknowledged sends', () => {
  it('a receipt resolves acknowledged on the cumulative ack, and unacked counts down', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    welcome(ws);
    const one = s.socket.send('chat', 1);
    const two = s.socket.send('chat', 2);
    expect(deliveryOf(s.socket).getSnapshot().unacked).toBe(2);
    ack(ws, 2);
    await expect(one.status !== 'rejected' && one.delivered).resolves.toBe('acknowledged');
    await expect(two.status !== 'rejected' && two.delivered).resolves.toBe('acknowledged');
    expect(deliveryOf(s.socket).getSnapshot().unacked).toBe(0);
    s.socket.close();
  });

  it('a burst of sends notifies delivery listeners once, while reads stay exact', async () => {
    const s = setup({ heartbeat: false, delivery: delivery(), maxQueue: 1000 });
    const ws = openLast(s);
    welcome(ws);
    const heard = vi.fn();
    deliveryOf(s.socket).subscribe(heard);
    for (let i = 0; i < 100; i++) s.socket.send('chat', i);
    expect(deliveryOf(s.socket).getSnapshot().unacked).toBe(100);
    await Promise.resolve();
    expect(heard).toHaveBeenCalledTimes(1);
    expect(deliveryOf(s.socket).getSnapshot()).toBe(deliveryOf(s.socket).getSnapshot());
    s.socket.close();
  });

  it('after a drop, unacknowledged sends go again first, in order, with their seq; the acked ones do not', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcome(first);
    for (let i = 1; i <= 4; i++) s.socket.send('chat', i);
    ack(first, 1);
    first.drop(1006);
    s.socket.send('chat', 5); // while down
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const second = openLast(s);
    // The hello names the session with its resume secret: an id alone resumes nothing.
    expect(hello(second).data).toEqual({ v: 1, session: 's1', last_seq: 0, secret: 'k1' });
    // The server had processed 2 as well (its ack was lost with the link).
    welcome(second, { resumed: true, acked: 2 });
    expect(seqs(second)).toEqual([3, 4, 5]);
    expect(appFrames(second).map((f) => f.data)).toEqual([3, 4, 5]);
    s.socket.close();
  });

  it('a request re-sent after a reconnect keeps its request_id and seq, so the server can drop the repeat', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcome(first);
    const reply = request(s.socket, 'ask', 1);
    const sent = appFrames(first)[0];
    const second = await reconnectAfterDrop(s);
    welcome(second, { resumed: true });
    expect(appFrames(second)[0]?.meta).toEqual(sent?.meta);
    second.receive({
      type: 'answer',
      data: 42,
      meta: { request_id: sent?.meta?.request_id, seq: 1 },
    });
    await expect(reply).resolves.toMatchObject({ data: 42 });
    s.socket.close();
  });

  it('close() rejects a send on the wire without an ack: it may have arrived', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    welcome(ws);
    const result = s.socket.send('chat', 1);
    s.socket.close();
    const error = await receipt(result).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultError);
    expect((error as FaultError).fault.detail.cause).toContain('may have arrived');
  });

  it("a fatal close rejects a kept send with a cause that says the connection failed and how (not the fault's user text)", async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    welcome(ws);
    const result = s.socket.send('chat', 1);
    ws.receive({ type: 'error', data: { code: 4004, message: 'Forbidden' } });
    ws.drop(4004, 'Forbidden');
    const error = await receipt(result).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultError);
    const { fault } = error as FaultError;
    expect(fault.code).toBe('connection_closed');
    expect(fault.detail.cause).toBe(
      'the connection failed (envelope 4004); it was sent but not acknowledged, so it may have arrived',
    );
  });

  it('a send sent on maxResends connections without an ack is given up as not_acknowledged', async () => {
    const s = setup({ heartbeat: false, delivery: delivery({ maxResends: 2 }) });
    let ws = openLast(s);
    welcome(ws);
    const result = s.socket.send('chat', 1);
    ws = await reconnectAfterDrop(s);
    welcome(ws, { resumed: true });
    expect(seqs(ws)).toEqual([1]);
    ws.drop(1006);
    const error = await receipt(result).catch((e: unknown) => e);
    expect((error as FaultError).fault.code).toBe('not_acknowledged');
    s.socket.close();
  });

  it('no ack within ackTimeoutMs on an open link: the link is left and the send goes again', async () => {
    const s = setup({ heartbeat: false, delivery: delivery({ ackTimeoutMs: 2000 }) });
    const ws = openLast(s);
    welcome(ws);
    s.socket.send('chat', 1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(s.status()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault?.code).toBe('ack_timeout');
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const next = openLast(s);
    welcome(next, { resumed: true });
    expect(seqs(next)).toEqual([1]);
    s.socket.close();
  });
});

describe('delivery: server messages', () => {
  it('handlers see each numbered message once: a replayed duplicate is dropped', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const seen: unknown[] = [];
    s.socket.on('news', (e) => seen.push(e.data));
    const first = openLast(s);
    welcome(first);
    first.receive({ type: 'news', data: 'a', meta: { seq: 1 } });
    first.receive({ type: 'news', data: 'b', meta: { seq: 2 } });
    const second = await reconnectAfterDrop(s);
    expect(hello(second).data).toMatchObject({ last_seq: 2 });
    welcome(second, { resumed: true, seq: 3, replay: 1 });
    second.receive({ type: 'news', data: 'b', meta: { seq: 2 } }); // a server that replays too much
    second.receive({ type: 'news', data: 'c', meta: { seq: 3 } });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(deliveryOf(s.socket).getSnapshot().recovery).toMatchObject({
      resumed: true,
      replayed: 1,
    });
    s.socket.close();
  });

  it('a gap the server cannot replay is a resync fault, and acknowledged requests without a reply reject with it', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcome(first);
    const pending = request(s.socket, 'ask', 1).catch((e: unknown) => e);
    ack(first, 1); // processed; its reply is lost with the link
    const second = await reconnectAfterDrop(s);
    welcome(second, { session: 's2', resumed: false, reason: 'unknown_session', seq: 0 });
    const error = (await pending) as FaultError;
    expect(error.fault).toMatchObject({
      code: 'resync',
      action: 'resync',
      severity: 'recoverable',
    });
    expect(s.socket.getSnapshot().lastFault?.code).toBe('resync');
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({
      session: 's2',
      recovery: { resumed: false, reason: 'unknown_session' },
    });
    expect(s.socket.errors.getState().history.some((f) => f.code === 'resync')).toBe(true);
    s.socket.close();
  });

  it('the first connection of a client is never a resync', () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    welcome(openLast(s), { seq: 7 });
    expect(s.socket.getSnapshot().lastFault).toBeNull();
    expect(deliveryOf(s.socket).getSnapshot().recovery).toBeNull();
    s.socket.close();
  });
});

describe('delivery: a server that does not speak it', () => {
  it('an error reply to the hello means plain: one warning, sends go out, receipts say unconfirmed, no toast', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    const queued = s.socket.send('chat', 1);
    ws.receive({
      type: 'error',
      data: { code: 4000, message: 'unknown type' },
      meta: { request_id: hello(ws).meta?.request_id },
    });
    expect(appFrames(ws).map((f) => f.data)).toEqual([1]);
    await expect(queued.status !== 'rejected' && queued.delivered).resolves.toBe('unconfirmed');
    expect(deliveryOf(s.socket).getSnapshot().mode).toBe('plain');
    expect(s.socket.errors.getState().history).toHaveLength(0);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    // The next connection says no hello, and sends are at most once: no number on the wire.
    const next = await reconnectAfterDrop(s);
    expect(next.frames().some((f) => f.type === 'sockguard.hello')).toBe(false);
    const later = s.socket.send('chat', 2);
    expect(later.status).toBe('sent');
    expect(appFrames(next)).toEqual([{ type: 'chat', data: 2 }]);
    await expect(receipt(later)).resolves.toBe('unconfirmed');
    s.socket.close();
  });

  it('delivery options are checked when made, and a bare true names the fix', () => {
    expect(() => delivery({ ackTimeoutMs: -1 })).toThrow(/delivery\.ackTimeoutMs/);
    expect(() => delivery({ maxResend: 3 } as never)).toThrow(/maxResends/);
    expect(() => setup({ delivery: true as never })).toThrow(/delivery: delivery\(\)/);
  });
});
