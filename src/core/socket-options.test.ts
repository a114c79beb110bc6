/**
 * Options are checked at construction (an error names the option, the value and the range), and
 * every delay, hints included, is one a timer can hold.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { openLast, setup } from '../../test/support/socket-setup.js';
import { MAX_DELAY_MS, systemClock } from './clock.js';
import type { SocketOptions } from './options.js';
import { createSocket } from './socket.js';
import { createTimers } from './timers.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const make = (extra: Record<string, unknown>) => () =>
  createSocket({
    url: 'wss://x.test/ws',
    WebSocket: fakeWebSocketClass(),
    environment: false,
    autoConnect: false,
    ...(extra as Partial<SocketOptions>),
  });

describe('option checks at construction', () => {
  it.each([
    [
      { connectTimeoutMs: Number.POSITIVE_INFINITY },
      /connectTimeoutMs must be a number from 1 to 2147483647/,
    ],
    [{ connectTimeoutMs: 0 }, /connectTimeoutMs must be/],
    [{ requestTimeoutMs: Number.NaN }, /requestTimeoutMs must be .*; got NaN/],
    [{ requestTimeoutMs: 2 ** 31 }, /requestTimeoutMs must be/],
    [{ minUptimeMs: -1 }, /minUptimeMs must be/],
    [{ maxQueue: 1.5 }, /maxQueue must be an integer/],
    [{ maxQueue: Number.POSITIVE_INFINITY }, /maxQueue must be an integer/],
    [
      { maxHandshakeFailures: 0 },
      /maxHandshakeFailures must be an integer from 1 .*or Infinity for never/,
    ],
    [{ errorCloseWindowMs: '1000' }, /errorCloseWindowMs must be .*; got "1000"/],
    [{ autoConnect: 'yes' }, /autoConnect must be true or false/],
    [{ random: 0.5 }, /random must be a function/],
    [{ heartbeat: { intervalMs: 0 } }, /heartbeat\.intervalMs must be/],
    [{ heartbeat: { intervalMs: Number.NaN } }, /heartbeat\.intervalMs must be/],
    [{ backoff: { baseMs: Number.POSITIVE_INFINITY } }, /backoff\.baseMs must be/],
    [{ backoff: { factor: 0.5 } }, /backoff\.factor must be a finite number >= 1/],
    [{ backoff: { jitter: 'half' } }, /backoff\.jitter must be one of "full", "none"/],
    [
      { backoff: { floorMs: 5000, capMs: 1000 } },
      // The floor is bounded by the cap.
      /backoff\.floorMs must be a number from 0 to 1000 \(milliseconds\); got 5000/,
    ],
    [{ parse: { maxDepth: 0 } }, /parse\.maxDepth must be an integer/],
    [
      { parse: { maxFrameChars: Number.POSITIVE_INFINITY } },
      /parse\.maxFrameChars must be an integer/,
    ],
    [
      { classification: { maxMessageLength: 120 } },
      /unknown option classification\.maxMessageLength/,
    ],
  ])('refuses %o', (extra, message) => {
    expect(make(extra)).toThrow(message);
  });

  it.each([
    [
      { reconectTimeoutMs: 1 },
      /unknown option reconectTimeoutMs\. Did you mean connectTimeoutMs\?/,
    ],
    [{ heartBeat: {} }, /unknown option heartBeat\. Did you mean heartbeat\?/],
    [
      { backoff: { maxAttempt: 3 } },
      /unknown option backoff\.maxAttempt\. Did you mean maxAttempts\?/,
    ],
    [{ parse: { maxDepht: 3 } }, /unknown option parse\.maxDepht\. Did you mean maxDepth\?/],
  ])('refuses the unknown key of %o and names the nearest known one', (extra, message) => {
    expect(make(extra)).toThrow(message);
  });

  it('accepts Infinity where it means never: lostAfterMs, suspendAfterMs, maxHandshakeFailures, backoff.maxAttempts', () => {
    const never = Number.POSITIVE_INFINITY;
    expect(
      make({
        lostAfterMs: never,
        suspendAfterMs: never,
        maxHandshakeFailures: never,
        backoff: { maxAttempts: never },
      }),
    ).not.toThrow();
  });

  it('takes the default for options given as undefined', () => {
    expect(
      make({ connectTimeoutMs: undefined, heartbeat: { intervalMs: undefined } }),
    ).not.toThrow();
  });

  it('refuses a missing or mistyped url, and options that are not an object', () => {
    expect(make({ url: undefined })).toThrow(/url option is required/);
    expect(make({ url: 42 })).toThrow(/url must be a string, a URL or a function/);
    expect(make({ protocols: 42 })).toThrow(/protocols must be a string, an array of strings/);
    const create = createSocket as (options?: unknown) => unknown;
    expect(() => create()).toThrow(/url option is required/);
    expect(() => create('wss://x')).toThrow(/createSocket needs an options object/);
  });
});

describe('in production builds options are not checked (issue 20: development help only)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    [{ backoff: { capMs: Number.NaN } }],
    [{ connectTimeoutMs: 0 }],
    [{ heartbeat: { pingType: '' } }],
    [{ heartBeat: {} }],
    [{ errors: { maxHistory: 0 } }],
  ])('%o makes a socket (development throws)', (extra) => {
    expect(make(extra)).toThrow();
    vi.stubEnv('NODE_ENV', 'production');
    expect(make(extra)).not.toThrow();
  });

  it('a value given as undefined still takes its default', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const s = setup({ connectTimeoutMs: undefined, heartbeat: { intervalMs: undefined } } as never);
    expect(s.status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(s.status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(s.status()).toBe('reconnecting');
    s.socket.close();
  });
});

describe('Infinity means never, and is honoured', () => {
  it('suspendAfterMs and lostAfterMs: Infinity arm no timer while down', async () => {
    const s = setup({
      lostAfterMs: Number.POSITIVE_INFINITY,
      suspendAfterMs: Number.POSITIVE_INFINITY,
      heartbeat: false,
      backoff: { jitter: 'none', capMs: 1000 },
    });
    openLast(s).drop(1006);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(s.socket.getSnapshot()).toMatchObject({ lost: false, suspended: false });
    s.socket.close();
  });

  it('a named timer of Infinity ms is never armed (not clamped into one that fires in 24 days)', () => {
    const timers = createTimers(systemClock);
    timers.set('suspend', Number.POSITIVE_INFINITY, () => {
      throw new Error('fired');
    });
    expect(timers.has('suspend')).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('delays are clamped to what a timer holds', () => {
  it('a retry_after_ms hint of 2.2e9 ms waits (clamped to 2^31-1 ms) instead of reconnecting at once', async () => {
    const s = setup({ heartbeat: false });
    const ws = openLast(s);
    ws.receive({
      type: 'error',
      data: { code: 4005, message: 'Slow down' },
      meta: { retry_after_ms: 2.2e9 },
    });
    ws.drop(4005, 'Too many connections');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.WebSocket.instances).toHaveLength(1);
    const snapshot = s.socket.getSnapshot();
    expect(snapshot.status).toBe('reconnecting');
    const at = snapshot.status === 'reconnecting' ? snapshot.nextRetryAt : null;
    expect(at).toBe(MAX_DELAY_MS);
    s.socket.close();
  });

  it('a custom backoff returning NaN or a negative delay retries after 0 ms, not in a loop of 1 ms timers', async () => {
    const s = setup({ heartbeat: false, backoff: () => Number.NaN });
    openLast(s).drop(1006);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });
});

describe('odd but harmless values', () => {
  it('protocols: null means no subprotocol (it used to fail the socket for good)', () => {
    const s = setup({ protocols: null as never });
    expect(s.WebSocket.instances).toHaveLength(1);
    openLast(s);
    expect(s.status()).toBe('open');
    s.socket.close();
  });

  it('two sockets sharing a store and one injected random report under different ids', () => {
    const a = setup({ heartbeat: false });
    const b = setup({ heartbeat: false, errors: a.socket.errors });
    openLast(a).drop(1006);
    openLast(b).drop(1006);
    const ids = a.socket.errors.getState().history.map((f) => f.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    a.socket.close();
    b.socket.close();
  });
});
