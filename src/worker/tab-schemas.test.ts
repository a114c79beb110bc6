/**
 * `schemas` in a tab of `shareTabs()`: schemas are functions and stay in the tab, which checks the
 * data of what the worker hands it as the core checks what its connection brings: data that fails
 * is an `invalid_envelope` fault in that tab, never delivered (a reply's request fails with it),
 * and what passes reaches the handlers as the schema's output.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { advance, flush, world } from '../../test/support/worker-kit.js';
import { isFaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';
import { validate } from '../validate/validate.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const schemas = validate({
  chat: z.object({ text: z.string(), at: z.string().transform((v) => new Date(v)) }),
  joined: z.object({ room: z.string() }),
});

describe('schemas in a tab of shareTabs()', () => {
  it("checks what the worker hands each tab: the schema's output to the handlers; data that fails is a fault in that tab only, never delivered", async () => {
    const w = world();
    const checked = w.tab({ heartbeat: false, schemas });
    const plain = w.tab({ heartbeat: false });
    await advance(10);
    const ws = w.WebSocket.last();
    ws.open();
    await flush();
    const dates: unknown[] = [];
    checked.socket.on('chat', (e) => void dates.push((e.data as { at: unknown }).at));
    ws.receive({ type: 'chat', data: { text: 'hi', at: '2026-01-01T00:00:00Z' } });
    ws.receive({ type: 'chat', data: { text: 7, at: 'x' } });
    await flush();
    expect(dates).toHaveLength(1);
    expect(dates[0]).toBeInstanceOf(Date);
    expect(checked.messages.map((m) => m.type)).toEqual(['chat']);
    expect(checked.faults()).toEqual(['client:invalid_envelope']);
    expect(checked.socket.errors.getState().history[0]?.detail.cause).toContain('text');
    // The tab without schemas gets both as they came, and no fault.
    expect(plain.messages).toHaveLength(2);
    expect(plain.faults()).toEqual([]);
  });

  it('a reply that fails its schema rejects the request in its tab with that fault, not a timeout', async () => {
    const w = world();
    const t = w.tab({ heartbeat: false, schemas });
    await advance(10);
    const ws = w.WebSocket.last();
    ws.open();
    await flush();
    const reply = request(t.socket, 'join', { room: 'a' }, { timeoutMs: 10_000 }).catch(
      (error: unknown) => error,
    );
    await flush();
    const id = ws.frames().find((f) => f.type === 'join')?.meta?.request_id;
    ws.receive({ type: 'joined', data: { room: 42 }, meta: { request_id: id } });
    await flush();
    const error = await reply;
    expect(isFaultError(error) && error.fault).toMatchObject({
      code: 'invalid_envelope',
      requestId: id,
    });
  });
});
