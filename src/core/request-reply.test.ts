import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { openLast, setup } from '../../test/support/socket-setup.js';
import { faultOf, track } from '../../test/support/track.js';
import type { StandardSchemaV1 } from '../protocol/standard-schema.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const joined = z.object({ room: z.string(), members: z.number() });

/** Opens a socket, sends one request with `reply`, and answers it with `data`. */
async function answer(data: unknown, reply: StandardSchemaV1) {
  const s = setup();
  const ws = openLast(s);
  const result = track(request(s.socket, 'join', { room: 'general' }, { reply, timeoutMs: 5000 }));
  const id = ws.frames()[0]?.meta?.request_id;
  ws.receive({ type: 'joined', data, meta: { request_id: id } });
  await vi.advanceTimersByTimeAsync(0);
  return { s, result, id };
}

describe('request with a reply schema', () => {
  it('resolves with the schema output (transforms applied)', async () => {
    const schema = joined.transform((r) => ({ ...r, label: `#${r.room}` }));
    const { result } = await answer({ room: 'general', members: 3 }, schema);
    expect(result.value?.data).toEqual({ room: 'general', members: 3, label: '#general' });
  });

  it('rejects at once with an invalid_envelope fault naming the request, and reports it', async () => {
    const { s, result, id } = await answer({ room: 'general', members: 'three' }, joined);
    expect(result.settled).toBe(true);
    const fault = faultOf(result.error);
    expect(fault).toMatchObject({
      code: 'invalid_envelope',
      requestId: id,
      severity: 'recoverable',
    });
    expect(JSON.stringify(fault?.detail)).toContain('members');
    expect(s.socket.errors.getState().history[0]?.code).toBe('invalid_envelope');
    expect(s.status()).toBe('open');
  });

  it('a throwing schema rejects the request with invalid_envelope instead of breaking the socket', async () => {
    const throwing: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new Error('boom');
        },
      },
    };
    const { s, result } = await answer({ room: 'general' }, throwing);
    expect(faultOf(result.error)?.code).toBe('invalid_envelope');
    expect(s.status()).toBe('open');
  });

  it('an error envelope still rejects with its own fault', async () => {
    const s = setup();
    const ws = openLast(s);
    const result = track(request(s.socket, 'join', {}, { reply: joined }));
    const id = ws.frames()[0]?.meta?.request_id;
    ws.receive({
      type: 'error',
      data: { code: 4001, message: 'no room' },
      meta: { request_id: id },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(faultOf(result.error)?.code).toBe(4001);
  });

  it('without a reply schema, any reply data resolves unchanged', async () => {
    const s = setup();
    const ws = openLast(s);
    const result = track(request(s.socket, 'join', {}));
    const id = ws.frames()[0]?.meta?.request_id;
    ws.receive({ type: 'joined', data: { members: 'three' }, meta: { request_id: id } });
    await vi.advanceTimersByTimeAsync(0);
    expect(result.value?.data).toEqual({ members: 'three' });
  });
});
