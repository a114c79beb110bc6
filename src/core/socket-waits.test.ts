/**
 * Every wait on the app has a bound: a url() or refreshAuth() that never settles cannot hold the
 * socket in `connecting` or `reconnecting` forever.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const never = <T>() => new Promise<T>(() => {});

describe('bounded waits', () => {
  it('a url() that never settles is a connect_timeout after connectTimeoutMs, then a retry', async () => {
    let calls = 0;
    const s = setup({
      connectTimeoutMs: 3000,
      heartbeat: false,
      url: () => {
        calls += 1;
        return calls === 1 ? never<string>() : 'wss://chat.test/ws';
      },
    });
    await vi.advanceTimersByTimeAsync(2999);
    expect(s.status()).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ code: 'connect_timeout' });
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toMatch(/url\/protocols did not settle/);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(1);
    openLast(s);
    expect(s.status()).toBe('open');
    s.socket.close();
  });

  it('a url() of a timed-out attempt that settles late opens nothing in the retry that followed', async () => {
    let release: (url: string) => void = () => {};
    let calls = 0;
    const s = setup({
      connectTimeoutMs: 1000,
      heartbeat: false,
      url: () => {
        calls += 1;
        if (calls === 1) return new Promise<string>((resolve) => (release = resolve));
        return never<string>();
      },
    });
    await vi.advanceTimersByTimeAsync(1000 + FIRST_RETRY_MS); // timed out; the retry waits on url()
    expect(calls).toBe(2);
    release('wss://chat.test/late');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.WebSocket.instances).toHaveLength(0);
    s.socket.close();
  });

  it('a refreshAuth that never settles fails after refreshAuthTimeoutMs and the next retry is planned', async () => {
    const s = setup({
      heartbeat: false,
      refreshAuth: () => never<void>(),
      refreshAuthTimeoutMs: 5000,
    });
    openLast(s).drop(4003, 'expired');
    await vi.advanceTimersByTimeAsync(4999);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    await vi.advanceTimersByTimeAsync(1);
    // A refresh that failed after an auth close is final: the fault says so, nothing waits forever.
    expect(s.status()).toBe('failed');
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toMatch(/refreshAuth failed: .*5000 ms/);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1); // at most the error store's TTL
  });

  it('refreshAuthTimeoutMs is checked like every option', () => {
    expect(() => setup({ refreshAuthTimeoutMs: 0 })).toThrow(/refreshAuthTimeoutMs must be/);
  });
});
