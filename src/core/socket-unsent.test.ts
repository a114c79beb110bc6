/**
 * Frames still in the WebSocket's send buffer when the link dies (`bufferedAmount` says how many
 * trailing bytes were not written) go again after the reconnect, first and in order; frames
 * already written are not doubled.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const bytes = (text: string) => new TextEncoder().encode(text).length;

describe('frames that never left', () => {
  it('go back to the head of the queue and are sent first after the reconnect, in order', async () => {
    const s = setup({ heartbeat: false });
    const first = openLast(s);
    s.socket.send('msg', { i: 1 });
    s.socket.send('msg', { i: 2 }); // both written
    first.holdWrites = true; // the link stops draining
    for (let i = 3; i <= 6; i++)
      expect(s.socket.send('msg', { i, text: 'é😀' })).toEqual({ status: 'sent' });
    first.bufferedAmount -= Math.floor(bytes(first.sent[2] as string) / 2); // frame 3 half written
    first.drop(1006);
    s.socket.send('msg', { i: 7 }); // queued while reconnecting
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const second = openLast(s);
    expect(second.frames().map((f) => (f.data as { i: number }).i)).toEqual([3, 4, 5, 6, 7]);
    s.socket.close();
  });

  it('with a WebSocket that counts frame headers (the ws package), a frame already written is not doubled', async () => {
    const s = setup({ heartbeat: false });
    const first = openLast(s);
    first.holdWrites = true;
    first.countHeaders = true;
    for (let i = 1; i <= 4; i++) s.socket.send('msg', { i });
    const written = bytes(first.sent[0] as string) + 6; // frame 1 and its header left the buffer
    first.bufferedAmount -= written;
    first.drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(
      openLast(s)
        .frames()
        .map((f) => (f.data as { i: number }).i),
    ).toEqual([2, 3, 4]);
    s.socket.close();
  });

  it('nothing is sent again when the buffer was empty', async () => {
    const s = setup({ heartbeat: false });
    const first = openLast(s);
    first.holdWrites = true;
    s.socket.send('msg', { i: 1 });
    first.bufferedAmount = 0; // written after all
    first.drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(openLast(s).frames()).toEqual([]);
    s.socket.close();
  });

  it('close() asked by the app keeps them where they are: the closing handshake still sends them', () => {
    const s = setup({ heartbeat: false });
    const first = openLast(s);
    first.holdWrites = true;
    s.socket.send('msg', { i: 1 });
    s.socket.close();
    expect(s.socket.errors.getState().history).toEqual([]);
    expect(first.closedByClient).toEqual({ code: 1000, reason: '' });
  });

  it('a heartbeat timeout (a dead link we detect) sends them again after the reconnect', async () => {
    const s = setup({ heartbeat: { intervalMs: 1000, timeoutMs: 100 } });
    const first = openLast(s);
    first.holdWrites = true;
    s.socket.send('msg', { i: 1 });
    await vi.advanceTimersByTimeAsync(1100); // the ping is buffered too; nothing answers
    expect(s.status()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(
      openLast(s)
        .frames()
        .map((f) => f.type),
    ).toEqual(['msg']); // not the ping
    s.socket.close();
  });
});

describe('untracked bytes in the buffer', () => {
  it('a ping buffered after a written frame does not make that frame look unsent', async () => {
    const s = setup({ heartbeat: { intervalMs: 1000, timeoutMs: 100 } });
    const first = openLast(s);
    s.socket.send('msg', { i: 1 }); // written at once
    first.holdWrites = true;
    await vi.advanceTimersByTimeAsync(1000); // the ping stays in the buffer
    s.socket.send('msg', { i: 2 }); // so does this one
    first.drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(
      openLast(s)
        .frames()
        .map((f) => (f.data as { i: number }).i),
    ).toEqual([2]);
    s.socket.close();
  });
});
