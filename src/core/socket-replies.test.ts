/** A malformed reply still answers its request: it rejects at once, not at its timeout. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { openLast, setup } from '../../test/support/socket-setup.js';
import { isFaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';
import { validate } from '../validate/validate.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

async function settleNow<T>(promise: Promise<T>): Promise<unknown> {
  const outcome = promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await vi.advanceTimersByTimeAsync(0);
  return Promise.race([outcome, Promise.resolve('pending')]);
}

describe('malformed replies', () => {
  it('a reply whose data fails its registered schema rejects the request at once', async () => {
    const s = setup({
      heartbeat: false,
      schemas: validate({ joined: z.object({ room: z.string() }) }),
    });
    const ws = openLast(s);
    const reply = request(s.socket, 'join', { room: 'a' }, { timeoutMs: 10_000 });
    const id = ws.frames()[0]?.meta?.request_id;
    ws.receive({ type: 'joined', data: { room: 42 }, meta: { request_id: id } });
    const error = await settleNow(reply);
    expect(isFaultError(error)).toBe(true);
    if (isFaultError(error))
      expect(error.fault).toMatchObject({ code: 'invalid_envelope', requestId: id });
    s.socket.close();
  });

  it('an error reply with malformed data rejects the request at once', async () => {
    const s = setup({ heartbeat: false });
    const ws = openLast(s);
    const reply = request(s.socket, 'join', { room: 'a' }, { timeoutMs: 10_000 });
    const id = ws.frames()[0]?.meta?.request_id;
    ws.receive({ type: 'error', data: { code: 'nope' }, meta: { request_id: id } });
    const error = await settleNow(reply);
    expect(isFaultError(error)).toBe(true);
    if (isFaultError(error))
      expect(error.fault).toMatchObject({ code: 'invalid_envelope', requestId: id });
    expect(s.socket.errors.getState().history).toHaveLength(1);
    s.socket.close();
  });
});
