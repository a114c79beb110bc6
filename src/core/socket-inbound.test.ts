/** Inbound frames: validation, typed data, handler isolation, error envelopes. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { openLast, setup } from '../../test/support/socket-setup.js';
import type { Envelope } from '../protocol/envelope.js';
import { request } from '../request/request.js';
import { validate } from '../validate/validate.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('messages', () => {
  it('delivers to handlers of the type, then to "*", and unsubscribe stops them', () => {
    const s = setup();
    const seen: string[] = [];
    const off = s.socket.on('chat', (e) => seen.push(`chat:${String(e.data)}`));
    s.socket.on('*', (e) => seen.push(`*:${e.type}`));
    const ws = openLast(s);
    ws.receive({ type: 'chat', data: 1 });
    ws.receive({ type: 'other', data: 2 });
    off();
    ws.receive({ type: 'chat', data: 3 });
    expect(seen).toEqual(['chat:1', '*:chat', '*:other', '*:chat']);
  });

  it('the same handler subscribed twice is called twice and unsubscribed separately', () => {
    const s = setup();
    const handler = vi.fn();
    const off1 = s.socket.on('chat', handler);
    s.socket.on('chat', handler);
    const ws = openLast(s);
    ws.receive({ type: 'chat' });
    off1();
    ws.receive({ type: 'chat' });
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('a handler that throws is reported as handler_error; the others and later messages still run', () => {
    const s = setup();
    const after = vi.fn();
    s.socket.on('chat', () => {
      throw new Error('render bug at token=abc123');
    });
    s.socket.on('chat', after);
    const ws = openLast(s);
    ws.receive({ type: 'chat', data: 1 });
    ws.receive({ type: 'chat', data: 2 });
    expect(after).toHaveBeenCalledTimes(2);
    const [fault] = s.socket.errors.getState().history;
    expect(fault).toMatchObject({
      source: 'client',
      code: 'handler_error',
      severity: 'recoverable',
      action: 'none',
      count: 2,
    });
    expect(fault?.detail.cause).toContain('render bug');
    expect(JSON.stringify(fault)).not.toContain('abc123');
    expect(s.status()).toBe('open');
  });

  it.each([
    ['invalid JSON', 'invalid_frame', '{not json'],
    ['an array', 'invalid_envelope', '[]'],
    ['a wrong type field', 'invalid_envelope', '{"type":5}'],
    ['an error without code', 'invalid_envelope', '{"type":"error","data":{"message":"x"}}'],
    ['a __proto__ key', 'invalid_envelope', '{"type":"chat","data":{"__proto__":{"polluted":1}}}'],
  ])(
    '%s is a recoverable %s fault; the connection stays open and handlers see nothing',
    (_, code, frame) => {
      const s = setup();
      const handler = vi.fn();
      s.socket.on('*', handler);
      const ws = openLast(s);
      ws.receive(frame);
      expect(handler).not.toHaveBeenCalled();
      expect(s.socket.errors.getState().history[0]).toMatchObject({
        source: 'client',
        code,
        severity: 'recoverable',
      });
      expect(s.status()).toBe('open');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('a binary frame is an invalid_frame fault', () => {
    const s = setup();
    openLast(s).receive(new ArrayBuffer(8));
    expect(s.socket.errors.getState().history[0]?.code).toBe('invalid_frame');
  });

  it('an error envelope becomes a fault in the store and still reaches "error" handlers', () => {
    const s = setup();
    const handler = vi.fn();
    s.socket.on('error', handler);
    openLast(s).receive({ type: 'error', data: { code: 4001, message: 'Room not found' } });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(s.socket.errors.getState().toasts[0]).toMatchObject({
      code: 4001,
      message: 'Room not found',
      kind: 'application',
    });
    expect(s.status()).toBe('open');
  });

  it('5000 shows a generic message and keeps the server text for logs only', () => {
    const s = setup();
    openLast(s).receive({
      type: 'error',
      data: { code: 5000, message: 'NullPointerException at db.js:12' },
    });
    const [fault] = s.socket.errors.getState().history;
    expect(fault?.message).not.toContain('NullPointer');
    expect(fault?.detail.serverMessage).toContain('NullPointer');
  });
});

describe('schemas', () => {
  const schemas = {
    chat: z.object({ text: z.string(), at: z.string().transform((v) => new Date(v)) }),
    presence: zm.object({ online: zm.number() }),
  };

  it('validates data per type and delivers the schema output (zod classic and zod/mini)', () => {
    const s = setup({ schemas: validate(schemas) });
    const chats: Array<Envelope<'chat', { text: string; at: Date }>> = [];
    const online: number[] = [];
    s.socket.on('chat', (e) => chats.push(e));
    s.socket.on('presence', (e) => online.push(e.data.online));
    const ws = openLast(s);
    ws.receive({ type: 'chat', data: { text: 'hi', at: '2026-01-01T00:00:00Z' } });
    ws.receive({ type: 'presence', data: { online: 3 } });
    expect(chats[0]?.data.at).toBeInstanceOf(Date);
    expect(online).toEqual([3]);
  });

  it('data that fails its schema is an invalid_envelope fault naming the field, never delivered', () => {
    const s = setup({ schemas: validate(schemas) });
    const handler = vi.fn();
    s.socket.on('presence', handler);
    openLast(s).receive({ type: 'presence', data: { online: 'many' } });
    expect(handler).not.toHaveBeenCalled();
    const [fault] = s.socket.errors.getState().history;
    expect(fault).toMatchObject({ code: 'invalid_envelope', severity: 'recoverable' });
    expect(fault?.detail.cause).toContain('online');
  });

  it('a reply that fails its schema rejects the request with invalid_envelope, not a timeout', async () => {
    const s = setup({ schemas: validate(schemas) });
    const ws = openLast(s);
    const reply = request(s.socket, 'presence', { online: 1 }, { timeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    ws.receive({
      type: 'presence',
      data: { online: 'x' },
      meta: { request_id: ws.frames()[0]?.meta?.request_id },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(await reply).toMatchObject({ fault: { code: 'invalid_envelope' } });
  });

  it('types unregistered messages as unknown and registered ones from the schema', () => {
    const s = setup({ schemas: validate(schemas) });
    s.socket.on('chat', (e) => {
      const text: string = e.data.text;
      void text;
    });
    s.socket.send('presence', { online: 1 });
    // @ts-expect-error: presence data needs a number
    s.socket.send('presence', { online: 'x' });
    s.socket.send('anything', { free: true });
  });
});

describe('subscribe / getSnapshot', () => {
  it('gives the same snapshot object until something changes, and notifies only on change', () => {
    const s = setup({ autoConnect: false });
    const first = s.socket.getSnapshot();
    expect(s.socket.getSnapshot()).toBe(first);
    const listener = vi.fn();
    const off = s.socket.subscribe(listener);
    s.socket.connect();
    expect(listener).toHaveBeenCalledTimes(1);
    const ws = openLast(s);
    expect(listener).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 100; i++) ws.receive({ type: 'chat', data: i });
    expect(listener).toHaveBeenCalledTimes(2);
    off();
    s.socket.close();
    expect(listener).toHaveBeenCalledTimes(2);
  });
});
