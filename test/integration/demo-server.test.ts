// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type DemoServer, startDemoServer } from '../../demo/server.js';

interface Client {
  socket: WebSocket;
  frames: Array<{ type?: unknown; data?: unknown; meta?: Record<string, unknown> }>;
  raw: string[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first frame (from index `from`) that matches. */
  next(
    predicate: (frame: Client['frames'][number]) => boolean,
    from?: number,
  ): Promise<Client['frames'][number]>;
}

let demo: DemoServer;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  demo = await startDemoServer({ port: 0, restartPauseMs: 150, retryAfterMs: 3000 });
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await demo.close();
});

function connect(token = 'valid-test'): Client {
  const socket = new WebSocket(`${demo.url}/?token=${token}`);
  sockets.push(socket);
  socket.on('error', () => {});
  const frames: Client['frames'] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    const text = String(data);
    raw.push(text);
    try {
      frames.push(JSON.parse(text));
    } catch {
      frames.push({ type: undefined, data: text });
    }
    for (const waiter of [...waiters]) waiter();
  });
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const next: Client['next'] = (predicate, from = 0) =>
    new Promise((resolve) => {
      const check = () => {
        const found = frames.slice(from).find(predicate);
        if (found) {
          waiters.delete(check);
          resolve(found);
        }
      };
      waiters.add(check);
      check();
    });
  return { socket, frames, raw, opened, closed, next };
}

const send = (client: Client, envelope: unknown) => client.socket.send(JSON.stringify(envelope));
const control = (client: Client, fault: string, extra: object = {}) =>
  send(client, { type: 'control', data: { fault, ...extra }, meta: { request_id: `c-${fault}` } });

/** Connects a fresh client, retrying while the server refuses upgrades (after a restart). */
async function connectWhenBack(): Promise<Client> {
  for (;;) {
    const client = connect();
    const result = await Promise.race([
      client.opened.then(() => 'open'),
      client.closed.then(() => 'closed'),
    ]);
    if (result === 'open') return client;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('demo server', () => {
  it('broadcasts a chat message to every member of the room, the reply carrying request_id', async () => {
    const alice = connect();
    const bob = connect();
    await Promise.all([alice.opened, bob.opened]);
    send(alice, { type: 'join', data: { room: 'general' }, meta: { request_id: 'j1' } });
    send(bob, { type: 'join', data: { room: 'general' }, meta: { request_id: 'j2' } });
    await Promise.all([
      alice.next((f) => f.type === 'joined'),
      bob.next((f) => f.type === 'joined'),
    ]);
    send(alice, {
      type: 'chat',
      data: { room: 'general', text: 'hello' },
      meta: { request_id: 'm1' },
    });
    const mine = await alice.next((f) => f.type === 'chat');
    const theirs = await bob.next((f) => f.type === 'chat');
    expect(mine).toMatchObject({
      data: { room: 'general', text: 'hello' },
      meta: { request_id: 'm1' },
    });
    expect(theirs).toMatchObject({ data: { room: 'general', text: 'hello' } });
    expect(theirs.meta).toBeUndefined();
  });

  it('answers ping with pong, and room errors with 4001 (unknown) and 4002 (closed archive)', async () => {
    const client = connect();
    await client.opened;
    send(client, { type: 'ping' });
    send(client, { type: 'join', data: { room: 'nowhere' }, meta: { request_id: 'a' } });
    send(client, {
      type: 'chat',
      data: { room: 'archive', text: 'hi' },
      meta: { request_id: 'b' },
    });
    send(client, { type: 'chat', data: {}, meta: { request_id: 'c' } });
    expect(await client.next((f) => f.type === 'pong')).toEqual({ type: 'pong' });
    expect(await client.next((f) => f.meta?.request_id === 'a')).toMatchObject({
      data: { code: 4001 },
    });
    expect(await client.next((f) => f.meta?.request_id === 'b')).toMatchObject({
      data: { code: 4002 },
    });
    expect(await client.next((f) => f.meta?.request_id === 'c')).toMatchObject({
      data: { code: 4000 },
    });
  });

  it('an expired token gets error 4003 then close 4003 right after connect', async () => {
    const client = connect('expired-abc');
    const closed = await client.closed;
    expect(closed.code).toBe(4003);
    expect(client.frames).toEqual([
      expect.objectContaining({ type: 'error', data: { code: 4003, message: 'Token expired' } }),
    ]);
  });

  it('rate-limit sends 4005 with retry_after_ms 3000 and keeps the connection open', async () => {
    const client = connect();
    await client.opened;
    control(client, 'rate-limit');
    const error = await client.next((f) => f.type === 'error');
    expect(error).toMatchObject({
      data: { code: 4005 },
      meta: { retry_after_ms: 3000, request_id: 'c-rate-limit' },
    });
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('a real flood of chat messages is rate-limited with 4005', async () => {
    const client = connect();
    await client.opened;
    for (let i = 0; i < 12; i++)
      send(client, { type: 'chat', data: { room: 'random', text: `m${i}` } });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ data: { code: 4005 } });
  });

  it('internal with close: error 5000 then close 1011', async () => {
    const client = connect();
    await client.opened;
    control(client, 'internal', { close: true });
    expect((await client.closed).code).toBe(1011);
    expect(client.frames[0]).toMatchObject({ data: { code: 5000 } });
  });

  it('forbidden and expire-token controls close with 4004 and 4003 after their error', async () => {
    const a = connect();
    const b = connect();
    await Promise.all([a.opened, b.opened]);
    control(a, 'forbidden');
    control(b, 'expire-token');
    expect((await a.closed).code).toBe(4004);
    expect((await b.closed).code).toBe(4003);
    expect(a.frames[0]).toMatchObject({ data: { code: 4004 } });
    expect(b.frames[0]).toMatchObject({ data: { code: 4003 } });
  });

  it('restart closes everyone with 1012, refuses for the pause, then accepts again', async () => {
    const a = connect();
    const b = connect();
    await Promise.all([a.opened, b.opened]);
    control(a, 'restart');
    expect((await a.closed).code).toBe(1012);
    expect((await b.closed).code).toBe(1012);
    const refused = connect();
    const refusedResult = await Promise.race([
      refused.opened.then(() => 'open'),
      refused.closed.then(() => 'refused'),
    ]);
    expect(refusedResult).toBe('refused');
    const back = await connectWhenBack();
    send(back, { type: 'ping' });
    expect(await back.next((f) => f.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('kill terminates the socket without a close frame: the client sees 1006', async () => {
    const client = connect();
    await client.opened;
    control(client, 'kill');
    expect((await client.closed).code).toBe(1006);
  });

  it('garbage sends invalid frames: not JSON, an array, a numeric type, a huge string', async () => {
    const client = connect();
    await client.opened;
    control(client, 'garbage');
    const huge = await client.next((f) => typeof f.data === 'string' && f.data.length > 100_000);
    expect(huge).toBeDefined();
    expect(client.raw.slice(0, 3)).toEqual(['{not json', '[]', '{"type":5}']);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('silence stops pongs and every frame for that socket', async () => {
    const client = connect();
    const other = connect();
    await Promise.all([client.opened, other.opened]);
    control(client, 'silence');
    send(client, { type: 'ping' });
    send(other, { type: 'ping' });
    await other.next((f) => f.type === 'pong');
    send(client, { type: 'ping' });
    send(other, { type: 'ping' });
    await other.next((f) => f.type === 'pong', 1);
    expect(client.frames).toEqual([]);
  });

  it('POST /control/refuse answers CORS and makes upgrades fail with HTTP 503', async () => {
    const response = await fetch(`${demo.httpUrl}/control/refuse`, {
      method: 'POST',
      body: JSON.stringify({ seconds: 5 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const client = connect();
    const status = await new Promise<number>((resolve) =>
      client.socket.once('unexpected-response', (_request, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(503);
  });

  it('POST /control/<fault> hits every connected socket; OPTIONS preflight; unknown fault is 404', async () => {
    const client = connect();
    await client.opened;
    const preflight = await fetch(`${demo.httpUrl}/control/internal`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const response = await fetch(`${demo.httpUrl}/control/internal`, { method: 'POST' });
    expect(await response.json()).toEqual({ ok: true, fault: 'internal', clients: 1 });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ data: { code: 5000 } });
    expect((await fetch(`${demo.httpUrl}/control/nope`, { method: 'POST' })).status).toBe(404);
  });

  it('POST /token issues a token the server accepts', async () => {
    const { token } = (await (await fetch(`${demo.httpUrl}/token`, { method: 'POST' })).json()) as {
      token: string;
    };
    expect(token).toMatch(/^valid-/);
    const client = connect(token);
    await client.opened;
  });
});
