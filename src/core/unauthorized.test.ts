/**
 * `unauthorized()`: the token functions' way to say "stop". Thrown from `url`, `protocols` or
 * `refreshAuth`, it fails the socket with a fatal `reauthenticate` fault (the auth redirect) and
 * no further attempt, instead of retrying as a lost network forever.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import { selectAuthFault } from './error-store/error-store.js';
import { isUnauthorized, unauthorized } from './unauthorized.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const TEN_MINUTES = 10 * 60_000;

describe('unauthorized()', () => {
  it('makes an Error that isUnauthorized recognises, also from another copy of the package', () => {
    const error = unauthorized('signed out');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'UnauthorizedError', message: 'signed out' });
    expect(isUnauthorized(error)).toBe(true);
    // Another copy marks its errors with the same registered symbol.
    const fromCopy = Object.assign(new Error('x'), {
      [Symbol.for('sockguard.unauthorized')]: true,
    });
    expect(isUnauthorized(fromCopy)).toBe(true);
    for (const other of [new Error('unauthorized'), 'unauthorized', null, undefined, 401, {}]) {
      expect(isUnauthorized(other)).toBe(false);
    }
  });
});

/** The socket failed for good with one fatal auth fault and made no attempt after `attempts`. */
async function expectAuthRedirect(
  s: ReturnType<typeof setup>,
  code: string | number,
  attempts: number,
) {
  await vi.advanceTimersByTimeAsync(TEN_MINUTES);
  expect(s.status()).toBe('failed');
  const state = s.socket.errors.getState();
  expect(state.history).toHaveLength(1);
  expect(state.fatal).toMatchObject({ code, severity: 'fatal', action: 'reauthenticate' });
  // What `useAuthRedirect` reads.
  expect(selectAuthFault(state)).toBe(state.fatal);
  expect(s.WebSocket.instances).toHaveLength(attempts);
}

describe('thrown from a token function', () => {
  it('url() throwing it: a fatal reauthenticate fault, code unauthorized, no connection attempt', async () => {
    const onFault = vi.fn();
    const s = setup({
      url: () => {
        throw unauthorized('refresh token revoked');
      },
      errors: { onFault },
    });
    await expectAuthRedirect(s, 'unauthorized', 0);
    expect(s.socket.errors.getState().fatal).toMatchObject({
      source: 'client',
      kind: 'connection',
      message: 'Your session has expired. Please sign in again.',
    });
    expect(s.socket.errors.getState().fatal?.detail.cause).toContain('refresh token revoked');
    expect(onFault).toHaveBeenCalledTimes(1);
  });

  it('an async url() rejecting with it fails at once, without trying refreshAuth first', async () => {
    const refreshAuth = vi.fn(async () => {});
    const s = setup({ url: async () => Promise.reject(unauthorized()), refreshAuth });
    await expectAuthRedirect(s, 'unauthorized', 0);
    expect(refreshAuth).not.toHaveBeenCalled();
  });

  it('protocols() rejecting with it does the same', async () => {
    const s = setup({ protocols: async () => Promise.reject(unauthorized()) });
    await expectAuthRedirect(s, 'unauthorized', 0);
  });

  it('on a later attempt (the token ran out while down): fails there, no further attempt', async () => {
    let signedIn = true;
    const s = setup({
      url: () => {
        if (!signedIn) throw unauthorized();
        return 'wss://chat.test/ws?token=t';
      },
    });
    openLast(s);
    signedIn = false;
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.status()).toBe('failed');
    // The drop's own recoverable fault, then the auth fault.
    expect(s.socket.errors.getState().fatal?.code).toBe('unauthorized');
    await vi.advanceTimersByTimeAsync(TEN_MINUTES);
    expect(s.WebSocket.instances).toHaveLength(1);
  });

  it('any other throw from url() still retries (url_failed)', async () => {
    const s = setup({
      url: () => {
        throw new Error('token service down');
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault?.code).toBe('url_failed');
  });
});

describe('thrown from refreshAuth', () => {
  it('after a 4003 close: the auth fault becomes fatal, one store entry, no reconnect', async () => {
    const refreshAuth = vi.fn(async () => Promise.reject(unauthorized('signed out')));
    const s = setup({ refreshAuth });
    openLast(s).drop(4003, 'Token expired');
    await expectAuthRedirect(s, 4003, 1);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
  });

  it('after handshakes kept failing (a 401 on upgrade): fatal unauthorized, instead of retrying forever', async () => {
    const refreshAuth = vi.fn(async () => Promise.reject(unauthorized('signed out')));
    const s = setup({ refreshAuth, maxHandshakeFailures: 1 });
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(TEN_MINUTES);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(s.status()).toBe('failed');
    const { fatal } = s.socket.errors.getState();
    expect(fatal).toMatchObject({
      code: 'unauthorized',
      severity: 'fatal',
      action: 'reauthenticate',
    });
    expect(fatal?.detail.cause).toContain('signed out');
    expect(s.WebSocket.instances).toHaveLength(1);
  });
});
