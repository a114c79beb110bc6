/**
 * A `backoff` function may answer with a promise (a policy asked of another tab, a server's
 * schedule). Its answer times the retry from the fault; one the socket has moved on from
 * (reconnect(), close(), a newer wait) changes nothing; a rejection is handled as a throw; and no
 * answer within the bound (10 s) falls back to the default policy for that retry, reporting one
 * `callback_error`. Fake clock throughout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import type { BackoffInput } from './backoff.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** The documented bound of an asynchronous answer (options.ts `backoff`). */
const BOUND_MS = 10_000;

/** A promise the test settles, as an async policy would. */
function deferred() {
  let resolve: (ms: number | null) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<number | null>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** A socket whose backoff hands each question to the test: `asked[i]` is the i-th one. */
function asking() {
  const asked: Array<ReturnType<typeof deferred> & { input: BackoffInput }> = [];
  const s = setup({
    heartbeat: false,
    errors: { dedupeWindowMs: 0 },
    backoff: (input) => {
      const d = { ...deferred(), input };
      asked.push(d);
      return d.promise;
    },
  });
  const faults = () => s.socket.errors.getState().history;
  const callbackErrors = () => faults().filter((f) => f.code === 'callback_error');
  return { ...s, asked, faults, callbackErrors };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('an asynchronous backoff', () => {
  it('its answer times the retry, counted from the fault (not from when it came)', async () => {
    const s = asking();
    openLast(s).drop(1006);
    expect(s.asked).toHaveLength(1);
    expect(s.asked[0]?.input).toMatchObject({ attempt: 1, hintMs: 0, random: 0.5 });
    await vi.advanceTimersByTimeAsync(200);
    s.asked[0]?.resolve(500);
    await settle();
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: 500 });
    await vi.advanceTimersByTimeAsync(299);
    expect(s.WebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.WebSocket.instances).toHaveLength(2);
    expect(s.callbackErrors()).toEqual([]);
    s.socket.close();
  });

  it('an answer of null gives up: failed, with unreachable', async () => {
    const s = asking();
    openLast(s).drop(1006);
    s.asked[0]?.resolve(null);
    await settle();
    expect(s.socket.getSnapshot()).toMatchObject({
      status: 'failed',
      fault: { code: 'unreachable', severity: 'fatal' },
    });
  });

  it('a rejection is a throw: the default policy times this retry, one callback_error naming it, nothing unhandled', async () => {
    const s = asking();
    openLast(s).drop(1006);
    s.asked[0]?.reject(new Error('schedule service down'));
    await settle();
    expect(s.callbackErrors().map((f) => f.detail.cause)).toEqual([
      'the backoff function threw Error: schedule service down',
    ]);
    expect(s.socket.getSnapshot()).toMatchObject({
      status: 'reconnecting',
      nextRetryAt: FIRST_RETRY_MS,
    });
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });

  it('no answer within 10 s: the default policy for this retry (due at once, counted from the fault), one callback_error', async () => {
    const s = asking();
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(BOUND_MS - 1);
    expect(s.WebSocket.instances).toHaveLength(1);
    expect(s.callbackErrors()).toEqual([]);
    // The link is gone while the answer is awaited: the snapshot says so, no retry time yet.
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    await vi.advanceTimersByTimeAsync(1);
    expect(s.callbackErrors().map((f) => f.detail.cause)).toEqual([
      'the backoff function threw Error: it did not settle within 10000 ms',
    ]);
    // The default policy's first delay (625 ms) counted from the fault is past: due now.
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: BOUND_MS });
    // (A timer of 0 ms armed while fake timers tick fires 1 ms later.)
    await vi.advanceTimersByTimeAsync(1);
    expect(s.WebSocket.instances).toHaveLength(2);
    // A late rejection is not reported again.
    s.asked[0]?.reject(new Error('late'));
    await settle();
    expect(s.callbackErrors()).toHaveLength(1);
    expect(s.WebSocket.instances).toHaveLength(2);
    expect(s.socket.getSnapshot().status).toBe('connecting');
    s.socket.close();
  });

  it('an answer after the bound changes nothing: the fallback timed this retry', async () => {
    const s = asking();
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(BOUND_MS + 1);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.asked[0]?.resolve(0);
    await settle();
    // The retry's handshake fails: the second question is this wait's, the late "0" is no one's.
    s.ws().drop(1006);
    expect(s.asked).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(50);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.asked[1]?.resolve(100);
    await vi.advanceTimersByTimeAsync(50);
    expect(s.WebSocket.instances).toHaveLength(3);
    expect(s.callbackErrors()).toHaveLength(1);
    s.socket.close();
  });
});

describe('an answer in time', () => {
  it('disarms the bound: nothing is reported 10 s later', async () => {
    const s = asking();
    openLast(s).drop(1006);
    s.asked[0]?.resolve(60_000);
    await vi.advanceTimersByTimeAsync(BOUND_MS + 1000);
    expect(s.callbackErrors()).toEqual([]);
    expect(s.WebSocket.instances).toHaveLength(1);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: 60_000 });
    s.socket.close();
  });
});

describe('an answer the socket has moved on from', () => {
  it('reconnect() and a newer wait: the older answer changes nothing, the newer one times the retry', async () => {
    const s = asking();
    openLast(s).drop(1006);
    s.socket.reconnect();
    expect(s.WebSocket.instances).toHaveLength(2);
    openLast(s).drop(1006);
    expect(s.asked).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    // The first wait's answer says "at once": it is not this wait's.
    s.asked[0]?.resolve(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(s.WebSocket.instances).toHaveLength(2);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    s.asked[1]?.resolve(300);
    await settle();
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: 300 });
    await vi.advanceTimersByTimeAsync(149);
    expect(s.WebSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.WebSocket.instances).toHaveLength(3);
    expect(s.callbackErrors()).toEqual([]);
    s.socket.close();
  });

  it("the first wait's bound does not cut the newer wait short", async () => {
    const s = asking();
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(4000);
    s.socket.reconnect();
    openLast(s).drop(1006);
    // 10 s after the first question: the second one (asked at 4 s) still has 4 s.
    await vi.advanceTimersByTimeAsync(6000);
    expect(s.callbackErrors()).toEqual([]);
    expect(s.WebSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(BOUND_MS - 6000);
    expect(s.callbackErrors()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.WebSocket.instances).toHaveLength(3);
    s.socket.close();
  });

  it('close(): a later answer starts nothing, and the bound reports nothing', async () => {
    const s = asking();
    openLast(s).drop(1006);
    s.socket.close();
    s.asked[0]?.resolve(0);
    await vi.advanceTimersByTimeAsync(BOUND_MS * 2);
    expect(s.socket.getSnapshot().status).toBe('closed');
    expect(s.WebSocket.instances).toHaveLength(1);
    expect(s.callbackErrors()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() then connect(): the old answer does not time the new wait', async () => {
    const s = asking();
    openLast(s).drop(1006);
    s.socket.close();
    s.socket.connect();
    openLast(s).drop(1006);
    s.asked[0]?.resolve(0);
    await settle();
    expect(s.WebSocket.instances).toHaveLength(2);
    s.asked[1]?.resolve(250);
    await vi.advanceTimersByTimeAsync(250);
    expect(s.WebSocket.instances).toHaveLength(3);
    s.socket.close();
  });
});
