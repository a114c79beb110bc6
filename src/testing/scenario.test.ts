import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorReply } from './reply.js';
import { createScenario, type Scenario } from './scenario.js';

const URL = 'wss://chat.test/socket';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

interface Probe {
  socket: WebSocket;
  events: string[];
  frames: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
}

/** A raw client (happy-dom's WebSocket, patched by msw) that records what it sees. */
function open(url = URL): Probe {
  const socket = new WebSocket(url);
  const events: string[] = [];
  const frames: unknown[] = [];
  socket.addEventListener('error', () => events.push('error'));
  socket.addEventListener('message', (event: MessageEvent) => {
    events.push('message');
    try {
      frames.push(JSON.parse(String(event.data)));
    } catch {
      frames.push(String(event.data));
    }
  });
  const opened = new Promise<void>((resolve) =>
    socket.addEventListener('open', () => {
      events.push('open');
      resolve();
    }),
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener('close', (event: CloseEvent) => {
      events.push(`close ${event.code}`);
      resolve({ code: event.code, reason: event.reason });
    }),
  );
  return { socket, events, frames, closed, opened };
}

function use(scenario: Scenario): Scenario {
  server.use(scenario.handler);
  return scenario;
}

/** Lets msw's microtask deliveries run. */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('createScenario', () => {
  it('counts handshakes, records the URL and what the client sent (raw and parsed)', async () => {
    const scenario = use(createScenario(URL));
    const probe = open(`${URL}?token=abc`);
    await scenario.waitForConnection(1);
    await probe.opened;
    probe.socket.send(JSON.stringify({ type: 'chat', data: { text: 'hi' } }));
    probe.socket.send('{not json');
    await scenario.waitForMessage((m) => m.type === 'chat');
    await vi.waitFor(() => expect(scenario.rawSent).toHaveLength(2));
    expect(scenario.connections).toBe(1);
    expect(scenario.openConnections).toBe(1);
    expect(scenario.urls[0]?.searchParams.get('token')).toBe('abc');
    expect(scenario.sent).toEqual([{ type: 'chat', data: { text: 'hi' } }]);
    expect(scenario.rawSent[1]).toBe('{not json');
  });

  it('answers {"type":"ping"} with {"type":"pong"} until it goes silent', async () => {
    const scenario = use(createScenario(URL));
    const probe = open();
    await probe.opened;
    probe.socket.send(JSON.stringify({ type: 'ping' }));
    await vi.waitFor(() => expect(probe.frames).toEqual([{ type: 'pong' }]));
    scenario.goSilent();
    probe.socket.send(JSON.stringify({ type: 'ping' }));
    await scenario.waitForMessage((m) => m.type === 'ping', { from: 1 });
    await flush();
    expect(probe.frames).toEqual([{ type: 'pong' }]);
    scenario.goSilent(false);
    probe.socket.send(JSON.stringify({ type: 'ping' }));
    await vi.waitFor(() => expect(probe.frames).toHaveLength(2));
  });

  it('send, sendRaw and sendError reach the client; sendError stamps a timestamp', async () => {
    const scenario = use(createScenario(URL));
    const probe = open();
    await probe.opened;
    scenario.send('chat', { text: 'hello' }, { request_id: 'r1' });
    scenario.sendRaw('[]');
    scenario.sendError(4001, 'Room not found', { requestId: 'r2' });
    await vi.waitFor(() => expect(probe.frames).toHaveLength(3));
    expect(probe.frames[0]).toEqual({
      type: 'chat',
      data: { text: 'hello' },
      meta: { request_id: 'r1' },
    });
    expect(probe.frames[1]).toEqual([]);
    expect(probe.frames[2]).toMatchObject({
      type: 'error',
      data: { code: 4001, message: 'Room not found' },
      meta: { request_id: 'r2', timestamp: expect.any(String) },
    });
    expect(probe.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('errorThenClose delivers the envelope before the close and maps 5000 to 1011', async () => {
    const scenario = use(createScenario(URL));
    const probe = open();
    await probe.opened;
    scenario.errorThenClose(5000, 'Internal error');
    const closed = await probe.closed;
    expect(closed.code).toBe(1011);
    expect(probe.events).toEqual(['open', 'message', 'close 1011']);
    expect(probe.frames[0]).toMatchObject({ data: { code: 5000, message: 'Internal error' } });
    expect(scenario.openConnections).toBe(0);
  });

  it('expireToken sends error 4003 then closes 4003, also right at connection time', async () => {
    const scenario = use(createScenario(URL));
    scenario.onConnection(() => scenario.expireToken());
    const probe = open();
    const closed = await probe.closed;
    expect(closed).toEqual({ code: 4003, reason: 'Token expired' });
    expect(probe.events).toEqual(['open', 'message', 'close 4003']);
    expect(probe.frames[0]).toMatchObject({ type: 'error', data: { code: 4003 } });
  });

  it('drop fires error then close 1006 without any frame', async () => {
    const scenario = use(createScenario(URL));
    const probe = open();
    await probe.opened;
    scenario.drop();
    expect((await probe.closed).code).toBe(1006);
    expect(probe.events).toEqual(['open', 'error', 'close 1006']);
  });

  it('rateLimit sends 4005 with retry_after_ms, and closes 4005 when asked', async () => {
    const scenario = use(createScenario(URL));
    const probe = open();
    await probe.opened;
    scenario.rateLimit(3000, { requestId: 'r9' });
    await vi.waitFor(() => expect(probe.frames).toHaveLength(1));
    expect(probe.frames[0]).toMatchObject({
      data: { code: 4005 },
      meta: { retry_after_ms: 3000, request_id: 'r9' },
    });
    expect(probe.socket.readyState).toBe(WebSocket.OPEN);
    scenario.rateLimit(500, { close: true });
    expect((await probe.closed).code).toBe(4005);
    expect(probe.frames[1]).toMatchObject({ meta: { retry_after_ms: 500 } });
  });

  it('refuseNext(n) refuses n handshakes (open never fires), then accepts again', async () => {
    const scenario = use(createScenario(URL));
    scenario.refuseNext(2);
    const first = open();
    expect((await first.closed).code).toBe(1006);
    const second = open();
    await second.closed;
    const third = open();
    await third.opened;
    expect(first.events).toEqual(['error', 'close 1006']);
    expect(second.events).toEqual(['error', 'close 1006']);
    expect(scenario.connections).toBe(3);
    expect(scenario.openConnections).toBe(1);
  });

  it('reply answers requests by request_id, with data or an error envelope, and can be undone', async () => {
    const scenario = use(createScenario(URL));
    const undo = scenario.reply('join', (request) => {
      const room = (request.data as { room: string }).room;
      return room === 'general' ? { room, members: 3 } : errorReply(4001, 'Room not found');
    });
    const probe = open();
    await probe.opened;
    probe.socket.send(
      JSON.stringify({ type: 'join', data: { room: 'general' }, meta: { request_id: 'a' } }),
    );
    probe.socket.send(
      JSON.stringify({ type: 'join', data: { room: 'nope' }, meta: { request_id: 'b' } }),
    );
    await vi.waitFor(() => expect(probe.frames).toHaveLength(2));
    expect(probe.frames[0]).toEqual({
      type: 'join',
      data: { room: 'general', members: 3 },
      meta: { request_id: 'a' },
    });
    expect(probe.frames[1]).toMatchObject({
      type: 'error',
      data: { code: 4001 },
      meta: { request_id: 'b' },
    });
    undo();
    probe.socket.send(
      JSON.stringify({ type: 'join', data: { room: 'general' }, meta: { request_id: 'c' } }),
    );
    await scenario.waitForMessage((m) => m.meta?.request_id === 'c');
    await flush();
    expect(probe.frames).toHaveLength(2);
  });

  it('processed holds the application frames: not pings, not frames that came while silent', async () => {
    const scenario = use(createScenario(URL));
    const probe = open();
    await probe.opened;
    probe.socket.send(JSON.stringify({ type: 'ping' }));
    probe.socket.send(JSON.stringify({ type: 'chat', data: 1 }));
    await scenario.waitForMessage((m) => m.type === 'chat');
    scenario.goSilent();
    probe.socket.send(JSON.stringify({ type: 'chat', data: 2 }));
    await scenario.waitForMessage((m) => m.data === 2);
    expect(scenario.sent).toHaveLength(3);
    expect(scenario.processed).toEqual([{ type: 'chat', data: 1 }]);
  });

  it('waitForConnection resolves on the reconnect, not before', async () => {
    const scenario = use(createScenario(URL));
    const first = open();
    await first.opened;
    let reconnected = false;
    const waiting = scenario.waitForConnection().then(() => {
      reconnected = true;
    });
    await flush();
    expect(reconnected).toBe(false);
    open();
    await waiting;
    expect(scenario.connections).toBe(2);
  });

  it('works under fake timers: waits resolve on events, not on time', async () => {
    vi.useFakeTimers();
    const scenario = use(createScenario(URL));
    const probe = open();
    await scenario.waitForConnection(1);
    await probe.opened;
    probe.socket.send(JSON.stringify({ type: 'ping' }));
    await scenario.waitForMessage((m) => m.type === 'ping');
    scenario.errorThenClose(4004, 'Forbidden');
    expect((await probe.closed).code).toBe(4004);
    expect(probe.events).toEqual(['open', 'message', 'message', 'close 4004']);
  });
});

describe('createScenario: closing and connection hooks', () => {
  it('close() closes every open connection cleanly with the given code', async () => {
    const scenario = use(createScenario(URL));
    const a = open();
    const b = open();
    await Promise.all([a.opened, b.opened]);
    expect(scenario.openConnections).toBe(2);
    scenario.close(1012, 'Service restart');
    expect(await a.closed).toEqual({ code: 1012, reason: 'Service restart' });
    expect((await b.closed).code).toBe(1012);
  });

  it('onConnection runs per accepted handshake until undone, and skips refused ones', async () => {
    const scenario = use(createScenario(URL));
    const seen: number[] = [];
    const undo = scenario.onConnection(({ index }) => seen.push(index));
    scenario.refuseNext();
    await open().closed;
    await open().opened;
    undo();
    await open().opened;
    expect(seen).toEqual([1]);
  });
});
