/**
 * Per-request options are checked like construction options: a bad value rejects the request's
 * promise (as a bad `type` does; `request` reports through its promise) with an error naming the
 * option, the value and the accepted range, and nothing is sent, armed or reported. A `timeoutMs`
 * of NaN, 0, a negative number or a string used to time out at once; one past 2^31-1 ms after
 * about 1 ms; `Infinity` after 24.8 days. `Infinity` now means no timeout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLast, setup } from '../../test/support/socket-setup.js';
import { faultOf, track } from '../../test/support/track.js';
import type { RequestOptions } from '../request/request.js';
import { request } from '../request/request.js';
import { MAX_DELAY_MS } from './clock.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const DAY = 24 * 3_600_000;
const TIMEOUT_RANGE = 'a number from 1 to 2147483647 (milliseconds), or Infinity for never';

/** Calls `request` with options the types would refuse, as plain JavaScript callers can. */
function requestWith(options: unknown) {
  const s = setup({ heartbeat: false });
  const ws = openLast(s);
  const timersBefore = vi.getTimerCount();
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = request(s.socket, 'join', { room: 'a' }, options as RequestOptions);
  }).not.toThrow();
  return { s, ws, timersBefore, reply: track(promise as Promise<unknown>) };
}

describe('a bad timeoutMs rejects the request, naming the option, the value and the range', () => {
  it.each([
    { value: Number.NaN, shown: 'NaN' },
    { value: -1, shown: '-1' },
    { value: 0, shown: '0' },
    { value: 0.5, shown: '0.5' },
    { value: -Infinity, shown: '-Infinity' },
    { value: 2 ** 31, shown: '2147483648' },
    { value: 2.2e9, shown: '2200000000' },
    { value: '5000', shown: '"5000"' },
    { value: null, shown: 'null' },
    { value: true, shown: 'true' },
  ])('timeoutMs: $shown', async ({ value, shown }) => {
    const { s, ws, timersBefore, reply } = requestWith({ timeoutMs: value });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.error).toBeInstanceOf(RangeError);
    expect((reply.error as Error).message).toBe(
      `sockguard: request.timeoutMs must be ${TIMEOUT_RANGE}; got ${shown}`,
    );
    expect(ws.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(timersBefore);
    expect(s.socket.errors.getState().history).toEqual([]);
    s.socket.close();
  });
});

describe('the other request options are checked the same way', () => {
  it.each([
    { options: { retryOnReconnect: 'yes' }, message: 'retryOnReconnect must be true or false' },
    { options: { retryOnReconnect: 1 }, message: 'retryOnReconnect must be true or false' },
    { options: { signal: {} }, message: 'signal must be an AbortSignal' },
    { options: { signal: { aborted: false } }, message: 'signal must be an AbortSignal' },
    { options: { signal: 'abort' }, message: 'signal must be an AbortSignal; got "abort"' },
    { options: { reply: {} }, message: 'reply must be a Standard Schema' },
  ])('$options', async ({ options, message }) => {
    const { s, ws, reply } = requestWith(options);
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.error).toBeInstanceOf(RangeError);
    expect((reply.error as Error).message).toContain(`sockguard: request.${message}`);
    expect(ws.sent).toEqual([]);
    s.socket.close();
  });

  it('rejects a misspelt key, naming the nearest known one', async () => {
    const { s, ws, reply } = requestWith({ timeout: 500 });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.error).toBeInstanceOf(TypeError);
    expect((reply.error as Error).message).toContain(
      'unknown option request.timeout. Did you mean timeoutMs?',
    );
    expect(ws.sent).toEqual([]);
    s.socket.close();
  });

  it.each([null, 'fast', 5])('rejects options that are not an object: %s', async (options) => {
    const { s, reply } = requestWith(options);
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.error).toBeInstanceOf(TypeError);
    expect((reply.error as Error).message).toContain('sockguard: request must be an object');
    s.socket.close();
  });

  it('accepts an object that acts as an AbortSignal, and keys given as undefined', async () => {
    const target = new EventTarget();
    const signal = Object.assign(target, { aborted: false });
    const { s, ws, reply } = requestWith({ signal, timeoutMs: undefined, reply: undefined });
    expect(ws.frames()).toHaveLength(1);
    ws.receive({ type: 'joined', meta: { request_id: ws.frames()[0]?.meta?.request_id } });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.value).toMatchObject({ type: 'joined' });
    s.socket.close();
  });
});

describe('timeoutMs: Infinity means no timeout', () => {
  it('arms no timer and waits past any timer limit for its reply', async () => {
    const { s, ws, timersBefore, reply } = requestWith({ timeoutMs: Infinity });
    expect(vi.getTimerCount()).toBe(timersBefore);
    await vi.advanceTimersByTimeAsync(30 * DAY); // past the 24.8 days a clamped timer holds
    expect(reply.settled).toBe(false);
    ws.receive({ type: 'joined', meta: { request_id: ws.frames()[0]?.meta?.request_id } });
    await vi.advanceTimersByTimeAsync(0);
    expect(reply.value).toMatchObject({ type: 'joined' });
    s.socket.close();
  });

  it('still settles on close', async () => {
    const { s, reply } = requestWith({ timeoutMs: Infinity });
    s.socket.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(reply.error)?.code).toBe('connection_closed');
  });

  it('the longest finite timeout (2^31-1 ms) fires at its time, not after about 1 ms', async () => {
    const { s, reply } = requestWith({ timeoutMs: MAX_DELAY_MS });
    await vi.advanceTimersByTimeAsync(MAX_DELAY_MS - 1);
    expect(reply.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(faultOf(reply.error)?.code).toBe('request_timeout');
    s.socket.close();
  });
});
