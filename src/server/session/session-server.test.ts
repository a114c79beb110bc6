// @vitest-environment node

import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../protocol/envelope.js';
import { type HistoryStore, UnknownSessionError } from './history-store.js';
import { createMemoryHistory, type MemoryHistoryOptions } from './memory-history.js';
import { createSessionServer } from './session-server.js';
import type { Session, SessionError, SessionServerOptions, SessionSocket } from './types.js';

type Listener = (...args: never[]) => void;
interface Frame {
  type: string;
  data?: Record<string, unknown> & { seq?: number };
  meta?: Record<string, unknown>;
}

/** A server-side socket driven by the test: `receive` is a client frame, `sent` what the layer wrote. */
class FakeSocket implements SessionSocket {
  readyState = 1;
  readonly sent: string[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  /** Bytes written and not yet sent, as the test sets them (a client that stops reading). */
  unread = 0;
  terminated = false;
  get bufferedAmount(): number {
    return this.unread;
  }
  private readonly listeners = new Map<string, Listener[]>();

  terminate(): void {
    this.terminated = true;
    this.drop();
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(code?: number, reason?: string): void {
    if (this.readyState > 1) return;
    this.closedWith = { code, reason };
    this.drop();
  }
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      (listener as (...a: unknown[]) => void)(...args);
    }
  }
  receive(frame: unknown, isBinary = false): void {
    this.emit('message', typeof frame === 'string' ? frame : JSON.stringify(frame), isBinary);
  }
  /** The link goes away (no close frame needed). */
  drop(): void {
    this.readyState = 3;
    this.emit('close');
  }
  get frames(): Frame[] {
    return this.sent.map((text) => JSON.parse(text) as Frame);
  }
  /** Frames other than welcome and acks. */
  get app(): Frame[] {
    return this.frames.filter((f) => !f.type.startsWith('sockguard.'));
  }
  get acks(): number[] {
    return this.frames.filter((f) => f.type === 'sockguard.ack').map((f) => f.data?.seq as number);
  }
  get welcome(): Frame | undefined {
    return this.frames.find((f) => f.type === 'sockguard.welcome');
  }
}

/** A client that reads nothing: every frame written stays unsent until the test drains it. */
class UnreadSocket extends FakeSocket {
  override send(text: string): void {
    super.send(text);
    this.unread += text.length;
  }
}

/** A socket that can stop reading, as a `ws` WebSocket can (`pause()` / `resume()`). */
class PausableSocket extends FakeSocket {
  paused = false;
  readonly calls: string[] = [];
  pause(): void {
    this.paused = true;
    this.calls.push('pause');
  }
  resume(): void {
    this.paused = false;
    this.calls.push('resume');
  }
}

const hello = (
  session: string | null = null,
  lastSeq = 0,
  requestId = 'h1',
  secret: string | undefined = undefined,
) => ({
  type: 'sockguard.hello',
  data: { v: 1, session, last_seq: lastSeq, ...(secret === undefined ? {} : { secret }) },
  meta: { request_id: requestId },
});
/** A resume secret as the layer makes them: 256 bits, base64url. */
const SECRET = expect.stringMatching(/^[A-Za-z0-9_-]{43}$/);
const frame = (seq: number | undefined, data: unknown = {}, type = 'chat') => ({
  type,
  data,
  ...(seq === undefined ? {} : { meta: { seq } }),
});

/** Lets queued tasks and (fake) timers run. */
const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

interface Harness {
  server: ReturnType<typeof createSessionServer<FakeSocket>>;
  received: Array<{ envelope: Envelope; session: Session }>;
  errors: SessionError[];
  ended: Session[];
  /** The resume secret of each session, from its welcomes (what a client keeps). */
  secrets: Map<string, string>;
  connect(principal?: string, socket?: FakeSocket): FakeSocket;
  /**
   * Connects with a hello (with the secret the harness kept for `session`, as a client sends it)
   * and returns the socket and the session id of its welcome.
   */
  join(
    session?: string | null,
    lastSeq?: number,
    principal?: string,
  ): Promise<{ socket: FakeSocket; id: string }>;
}

let current: Harness | undefined;

function harness(
  options: Partial<SessionServerOptions<FakeSocket>> = {},
  history?: MemoryHistoryOptions,
): Harness {
  const received: Harness['received'] = [];
  const errors: SessionError[] = [];
  const ended: Session[] = [];
  const secrets = new Map<string, string>();
  let counter = 0;
  const server = createSessionServer<FakeSocket>({
    onMessage: (envelope, session) => {
      received.push({ envelope, session });
    },
    onError: (error) => errors.push(error),
    onSessionEnd: (session) => ended.push(session),
    history: createMemoryHistory({ now: () => Date.now(), ...history }),
    newSessionId: () => `s${++counter}`,
    ...options,
  });
  const connect = (principal?: string, socket = new FakeSocket()) => {
    server.accept(socket, principal === undefined ? { anonymous: true } : { principal });
    return socket;
  };
  const join: Harness['join'] = async (session = null, lastSeq = 0, principal = undefined) => {
    const socket = connect(principal);
    const secret = session === null ? undefined : secrets.get(session);
    socket.receive(hello(session, lastSeq, 'h1', secret));
    await settle();
    const data = socket.welcome?.data as { session?: string; secret?: string } | undefined;
    if (data?.session !== undefined && data.secret !== undefined) {
      secrets.set(data.session, data.secret);
    }
    return { socket, id: String(data?.session) };
  };
  current = { server, received, errors, ended, secrets, connect, join };
  return current;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  current?.server.close();
  current = undefined;
  vi.useRealTimers();
});

describe('createSessionServer: hello and welcome', () => {
  it('welcomes a first hello with a new session, seq 0, acked 0, not resumed, and its request_id', async () => {
    const { join } = harness();
    const { socket } = await join();
    expect(socket.frames).toEqual([
      {
        type: 'sockguard.welcome',
        data: { v: 1, session: 's1', resumed: false, seq: 0, acked: 0, secret: SECRET },
        meta: { request_id: 'h1' },
      },
    ]);
  });

  it('answers the hello before any other frame of the connection, even with a slow store', async () => {
    const memory = createMemoryHistory();
    const slow: HistoryStore = {
      ...memory,
      create: (id, owner, binding) =>
        new Promise((resolve) => setTimeout(() => resolve(memory.create(id, owner, binding)), 50)),
    };
    const { connect, received } = harness({
      history: slow,
      onMessage: (envelope, session) => {
        received.push({ envelope, session });
        void session.reply(envelope, 'echo', envelope.data);
      },
    });
    const socket = connect();
    socket.receive(hello());
    socket.receive({ type: 'ping' });
    socket.receive({ ...frame(1, 'x'), meta: { seq: 1, request_id: 'r1' } });
    await settle(10);
    expect(socket.sent).toEqual([]);
    await settle(50);
    expect(socket.frames.map((f) => f.type)).toEqual([
      'sockguard.welcome',
      'pong',
      'echo',
      'sockguard.ack',
    ]);
    expect(socket.frames[2]).toMatchObject({ data: 'x', meta: { request_id: 'r1', seq: 1 } });
  });

  it('answers a malformed hello as a server without the extension would: error 4000 with its request_id', async () => {
    const { connect, received } = harness();
    const socket = connect();
    socket.receive({ type: 'sockguard.hello', data: { v: 1 }, meta: { request_id: 'h9' } });
    socket.receive(frame(undefined, 'after'));
    await settle();
    expect(socket.frames[0]).toMatchObject({
      type: 'error',
      data: { code: 4000 },
      meta: { request_id: 'h9' },
    });
    expect(socket.frames[0]?.meta?.seq).toBeUndefined();
    expect(received.map((r) => r.session.delivery)).toEqual([false]);
  });
});

describe('createSessionServer: server to client numbering and resume', () => {
  it('numbers every app message, error envelopes and replies included, from 1', async () => {
    const { join, server } = harness();
    const { socket, id } = await join();
    const session = server.get(id) as Session;
    const seqs = [
      await session.send('news', { n: 1 }),
      await session.sendError(4001, 'nope', { requestId: 'r1' }),
      await session.reply({ type: 'q', data: null, meta: { request_id: 'r2' } }, 'a', 1),
    ];
    expect(seqs).toEqual([1, 2, 3]);
    expect(socket.app.map((f) => [f.type, f.meta?.seq, f.meta?.request_id])).toEqual([
      ['news', 1, undefined],
      ['error', 2, 'r1'],
      ['a', 3, 'r2'],
    ]);
    expect(session.seq).toBe(3);
  });

  it('keeps pong and control types out of the numbering', async () => {
    const { join, server } = harness();
    const { socket, id } = await join();
    expect(await server.get(id)?.send('pong')).toBeUndefined();
    expect(await server.get(id)?.send('news', 1)).toBe(1);
    expect(socket.sent.slice(1)).toEqual([
      '{"type":"pong"}',
      '{"type":"news","data":1,"meta":{"seq":1}}',
    ]);
  });

  it('resumes: welcome resumed with the replay count, then the missed frames in order, exactly once, exactly as sent', async () => {
    const { join, server } = harness();
    const first = await join();
    const session = server.get(first.id) as Session;
    for (const n of [1, 2, 3]) await session.send('news', { n });
    const asSent = first.socket.sent.slice(1);
    first.socket.drop();
    const second = await join(first.id, 1);
    expect(second.socket.frames[0]).toEqual({
      type: 'sockguard.welcome',
      data: {
        v: 1,
        session: first.id,
        resumed: true,
        seq: 3,
        acked: 0,
        replay: 2,
        secret: first.socket.welcome?.data?.secret,
      },
      meta: { request_id: 'h1' },
    });
    expect(second.socket.sent.slice(1)).toEqual(asSent.slice(1));
    await session.send('news', { n: 4 });
    expect(second.socket.app.map((f) => f.meta?.seq)).toEqual([2, 3, 4]);
    expect(server.get(first.id)).toBe(session);
  });

  it('keeps and numbers messages sent while no connection is attached, and replays them on resume', async () => {
    const { join, server } = harness();
    const first = await join();
    const session = server.get(first.id) as Session;
    first.socket.drop();
    expect(session.connected).toBe(false);
    expect(await session.send('news', 'while away')).toBe(1);
    expect(await session.send('news', 'still away')).toBe(2);
    const second = await join(first.id, 0);
    expect(second.socket.welcome?.data).toMatchObject({ resumed: true, replay: 2, seq: 2 });
    expect(second.socket.app.map((f) => f.data)).toEqual(['while away', 'still away']);
  });

  it('resumes with an empty replay when the client saw everything', async () => {
    const { join, server } = harness();
    const first = await join();
    await server.get(first.id)?.send('news', 1);
    first.socket.drop();
    const second = await join(first.id, 1);
    expect(second.socket.welcome?.data).toMatchObject({ resumed: true, replay: 0, seq: 1 });
    expect(second.socket.app).toEqual([]);
  });

  it('says history_gone when the history was trimmed by count, keeping the session and its acked', async () => {
    const { join, server } = harness({}, { maxMessages: 2 });
    const first = await join();
    first.socket.receive(frame(1));
    await settle();
    const session = server.get(first.id) as Session;
    for (const n of [1, 2, 3]) await session.send('news', n);
    first.socket.drop();
    const second = await join(first.id, 0);
    expect(second.socket.frames[0]?.data).toEqual({
      v: 1,
      session: first.id,
      resumed: false,
      seq: 3,
      acked: 1,
      reason: 'history_gone',
      secret: first.socket.welcome?.data?.secret,
    });
    expect(second.socket.app).toEqual([]);
    await session.send('news', 4);
    expect(second.socket.app.map((f) => f.meta?.seq)).toEqual([4]);
  });

  it('says history_gone when the frames after last_seq aged out (maxAgeMs)', async () => {
    const { join, server } = harness({}, { maxAgeMs: 1000 });
    const first = await join();
    await server.get(first.id)?.send('news', 1);
    first.socket.drop();
    await settle(1500);
    const second = await join(first.id, 0);
    expect(second.socket.welcome?.data).toMatchObject({ resumed: false, reason: 'history_gone' });
  });

  it('says history_gone when the history is over its size in bytes (maxBytes)', async () => {
    const { join, server } = harness({}, { maxBytes: 100 });
    const first = await join();
    await server.get(first.id)?.send('news', 'x'.repeat(60));
    await server.get(first.id)?.send('news', 'y'.repeat(60));
    first.socket.drop();
    expect((await join(first.id, 0)).socket.welcome?.data).toMatchObject({
      resumed: false,
      reason: 'history_gone',
    });
  });

  it('says unknown_session, with a new session, for a session the store does not know', async () => {
    const { join } = harness();
    const { socket } = await join('never-seen', 4);
    expect(socket.welcome?.data).toEqual({
      v: 1,
      session: 's1',
      resumed: false,
      seq: 0,
      acked: 0,
      reason: 'unknown_session',
      secret: SECRET,
    });
  });

  it('slow welcome / unavailable no longer serves stale acked: unavailable then close 1013, no frame of the connection processed', async () => {
    const memory = createMemoryHistory();
    let broken = false;
    const flaky: HistoryStore = {
      ...memory,
      open: (id, after, owner, binding) => {
        if (broken) throw new Error('redis down');
        return memory.open(id, after, owner, binding);
      },
    };
    const { join, connect, errors, received, secrets, server } = harness({ history: flaky });
    const first = await join();
    first.socket.receive(frame(1, 'one'));
    await settle();
    await server.get(first.id)?.send('news', 1);
    await server.get(first.id)?.send('news', 2);
    first.socket.drop();
    broken = true;
    // The client saw up to 2 and resends 2 (its ack was lost) and 3, right behind its hello.
    const second = connect();
    second.receive(hello(first.id, 2, 'h2', secrets.get(first.id)));
    second.receive(frame(2, 'two'));
    second.receive(frame(3, 'three'));
    await settle(50);
    expect(second.welcome?.data).toEqual({
      v: 1,
      session: first.id,
      resumed: false,
      reason: 'unavailable',
      seq: 2, // never below the client's last_seq: its counter must not go back
      acked: 1,
      secret: secrets.get(first.id),
    });
    expect(second.closedWith?.code).toBe(1013);
    expect(second.frames.map((f) => f.type)).toEqual(['sockguard.welcome']);
    expect(received.map((r) => r.envelope.data)).toEqual(['one']);
    expect(server.get(first.id)?.acked).toBe(1);
    expect(errors.map((e) => `${e.kind} ${e.operation}`)).toEqual(['store open']);
    // Back: the same client resumes and everything goes on, nothing processed twice.
    broken = false;
    const third = await join(first.id, 2);
    expect(third.socket.welcome?.data).toMatchObject({ resumed: true, acked: 1, replay: 0 });
    third.socket.receive(frame(2, 'two'));
    await settle(20);
    expect(received.map((r) => r.envelope.data)).toEqual(['one', 'two']);
  });

  it('closes with 1013, without a welcome, a first hello when the store cannot create its session', async () => {
    const memory = createMemoryHistory();
    let down = true;
    const store: HistoryStore = {
      ...memory,
      create: (id, owner, binding) => {
        if (down) throw new Error('redis down');
        memory.create(id, owner, binding);
      },
    };
    const { connect, join, received, errors } = harness({ history: store });
    const socket = connect();
    socket.receive(hello());
    socket.receive(frame(1, 'early'));
    await settle(20);
    expect(socket.sent).toEqual([]);
    expect(socket.closedWith).toEqual({
      code: 1013,
      reason: 'Session store unavailable: try again later',
    });
    expect(received).toEqual([]);
    expect(errors.map((e) => `${e.kind} ${e.operation}`)).toEqual(['store create']);
    down = false;
    expect((await join()).socket.welcome?.data).toMatchObject({ resumed: false, seq: 0 });
  });

  it('sends a message unnumbered to the live connection when the store cannot number it', async () => {
    const memory = createMemoryHistory();
    const failing: HistoryStore = {
      ...memory,
      append: () => Promise.reject(new Error('full')),
    };
    const { join, server, errors } = harness({ history: failing });
    const { socket, id } = await join();
    expect(await server.get(id)?.send('news', 1)).toBeUndefined();
    expect(socket.sent.at(-1)).toBe('{"type":"news","data":1}');
    expect(errors.map((e) => e.operation)).toEqual(['append']);
  });

  it('numbers sends in the order they were called even when the store answers out of order', async () => {
    const memory = createMemoryHistory();
    let delay = 30;
    const jittery: HistoryStore = {
      ...memory,
      append: (id, encode) => {
        delay -= 10; // each later call would answer sooner if calls overlapped
        return new Promise((resolve) =>
          setTimeout(() => resolve(memory.append(id, encode)), delay),
        );
      },
    };
    const { join, server } = harness({ history: jittery });
    const { socket, id } = await join();
    const session = server.get(id) as Session;
    const seqs = Promise.all(['a', 'b', 'c'].map((text) => session.send('news', text)));
    await settle(100);
    expect(await seqs).toEqual([1, 2, 3]);
    expect(socket.app.map((f) => [f.data, f.meta?.seq])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('does not take a seq for data that cannot be serialized', async () => {
    const { join, server, errors } = harness();
    const { id } = await join();
    const session = server.get(id) as Session;
    expect(await session.send('bad', { big: 1n })).toBeUndefined();
    expect(await session.send('good', 1)).toBe(1);
    expect(errors.map((e) => [e.kind, e.operation])).toEqual([['encode', 'send']]);
  });
});

describe('createSessionServer: client to server dedupe and acks', () => {
  it('gives a duplicate to the app once, and acknowledges it again', async () => {
    const { join, received } = harness();
    const { socket } = await join();
    socket.receive(frame(1, 'a'));
    await settle(10);
    expect(socket.acks).toEqual([1]);
    socket.receive(frame(1, 'a'));
    await settle(10);
    expect(received.map((r) => r.envelope.data)).toEqual(['a']);
    expect(socket.acks).toEqual([1, 1]);
  });

  it('batches acks: one cumulative ack for frames processed within ackDelayMs, none before', async () => {
    const { join } = harness({ ackDelayMs: 20 });
    const { socket } = await join();
    for (const seq of [1, 2, 3]) socket.receive(frame(seq));
    await settle(19);
    expect(socket.acks).toEqual([]);
    await settle(1);
    expect(socket.acks).toEqual([3]);
    socket.receive(frame(4));
    await settle(20);
    expect(socket.acks).toEqual([3, 4]);
  });

  it('sets acked to the seq processed (a gap is not waited for) and drops a lower seq after it', async () => {
    const { join, received } = harness();
    const { socket } = await join();
    socket.receive(frame(1, 'a'));
    socket.receive(frame(5, 'b'));
    socket.receive(frame(3, 'late'));
    await settle(10);
    expect(received.map((r) => r.envelope.data)).toEqual(['a', 'b']);
    expect(socket.acks).toEqual([5]);
  });

  it('processes frames without meta.seq as they come, without acks', async () => {
    const { join, received } = harness();
    const { socket } = await join();
    socket.receive(frame(undefined, 'x'));
    socket.receive(frame(undefined, 'x'));
    await settle(50);
    expect(received).toHaveLength(2);
    expect(socket.acks).toEqual([]);
  });

  it('tells a resuming client how far acked got, and drops its resent frames up to it', async () => {
    const { join, received } = harness();
    const first = await join();
    first.socket.receive(frame(1, 'a'));
    first.socket.receive(frame(2, 'b'));
    await settle(); // processed, ack not yet written
    first.socket.drop();
    const second = await join(first.id, 0);
    expect(second.socket.welcome?.data?.acked).toBe(2);
    second.socket.receive(frame(2, 'b'));
    second.socket.receive(frame(3, 'c'));
    await settle(10);
    expect(received.map((r) => r.envelope.data)).toEqual(['a', 'b', 'c']);
    expect(second.socket.acks).toEqual([3]);
  });

  it('waits for an async onMessage before the next frame of the session and before acking', async () => {
    const log: string[] = [];
    const { join } = harness({
      onMessage: async (envelope) => {
        log.push(`start ${envelope.data}`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        log.push(`end ${envelope.data}`);
      },
    });
    const { socket } = await join();
    socket.receive(frame(1, 'a'));
    socket.receive(frame(2, 'b'));
    await settle(20);
    expect(log).toEqual(['start a']);
    expect(socket.acks).toEqual([]);
    await settle(100);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(socket.acks.at(-1)).toBe(2);
  });

  it('lets onMessage await its own send without deadlocking', async () => {
    const { join } = harness({
      onMessage: async (envelope, session) => {
        await session.reply(envelope, 'echo', envelope.data);
      },
    });
    const { socket } = await join();
    socket.receive(frame(1, 'a'));
    socket.receive(frame(2, 'b'));
    await settle(10);
    expect(socket.app.map((f) => f.data)).toEqual(['a', 'b']);
    expect(socket.acks).toEqual([2]);
  });

  it('reports a throwing or rejecting onMessage, counts the frame processed and keeps the session working', async () => {
    const { join, errors } = harness({
      onMessage: (envelope, session) => {
        if (envelope.data === 'throw') throw new Error('sync boom');
        if (envelope.data === 'reject') return Promise.reject(new Error('async boom'));
        void session.send('ok', envelope.data);
      },
    });
    const { socket, id } = await join();
    socket.receive(frame(1, 'throw'));
    socket.receive(frame(2, 'reject'));
    socket.receive(frame(3, 'fine'));
    await settle(10);
    expect(errors).toEqual([
      { kind: 'callback', operation: 'onMessage', error: new Error('sync boom'), session: id },
      { kind: 'callback', operation: 'onMessage', error: new Error('async boom'), session: id },
    ]);
    expect(socket.app.map((f) => f.data)).toEqual(['fine']);
    expect(socket.acks).toEqual([3]);
  });

  it('answers a malformed frame with a numbered error 4000, a binary one also closes with 4000', async () => {
    const { join, received } = harness();
    const { socket } = await join();
    socket.receive('{not json');
    socket.receive({ type: 'x', meta: { request_id: 5 } });
    await settle();
    expect(socket.app).toEqual([
      expect.objectContaining({
        type: 'error',
        data: expect.objectContaining({ code: 4000 }),
        meta: expect.objectContaining({ seq: 1 }),
      }),
      expect.objectContaining({ type: 'error', meta: expect.objectContaining({ seq: 2 }) }),
    ]);
    socket.receive(new Uint8Array([1, 2]), true);
    await settle();
    expect(socket.app.at(-1)?.data).toMatchObject({
      code: 4000,
      message: 'Bad request: binary frames are not supported',
    });
    expect(socket.closedWith?.code).toBe(4000);
    expect(received).toEqual([]);
  });

  it('keeps sockguard.* frames from the app: a second hello is a 4000 with its request_id', async () => {
    const { join, received } = harness();
    const { socket } = await join();
    socket.receive(hello(null, 0, 'h2'));
    await settle();
    expect(socket.app[0]).toMatchObject({
      type: 'error',
      data: { code: 4000 },
      meta: { request_id: 'h2' },
    });
    expect(received).toEqual([]);
  });
});

describe('createSessionServer: connections', () => {
  it('closes the older connection with 1000 when the session connects again, and sends live frames to the newer', async () => {
    const { join, server } = harness();
    const first = await join();
    const second = await join(first.id, 0);
    expect(first.socket.closedWith?.code).toBe(1000);
    expect(second.socket.welcome?.data).toMatchObject({ resumed: true, session: first.id });
    await server.get(first.id)?.send('news', 1);
    expect(second.socket.app).toHaveLength(1);
    expect(first.socket.app).toHaveLength(0);
    expect(server.get(first.id)?.connected).toBe(true); // the old close did not detach the new one
  });

  it('serves a plain client (first frame not a hello): frames to the app, replies unnumbered, no acks', async () => {
    const { connect, received } = harness({
      onMessage: (envelope, session) => {
        received.push({ envelope, session });
        void session.reply(envelope, 'echo', envelope.data);
      },
    });
    const socket = connect();
    socket.receive({ type: 'chat', data: 'hi', meta: { request_id: 'r1', seq: 1 } });
    socket.receive({ type: 'chat', data: 'hi', meta: { request_id: 'r1', seq: 1 } });
    await settle(50);
    expect(received.map((r) => [r.session.delivery, r.session.id])).toEqual([
      [false, undefined],
      [false, undefined],
    ]);
    expect(socket.sent).toEqual([
      '{"type":"echo","data":"hi","meta":{"request_id":"r1"}}',
      '{"type":"echo","data":"hi","meta":{"request_id":"r1"}}',
    ]);
  });

  it('answers pings with an unnumbered pong, and passes them to the app when answerPings is false', async () => {
    const { join, received } = harness();
    const { socket } = await join();
    socket.receive({ type: 'ping' });
    await settle();
    expect(socket.sent.at(-1)).toBe('{"type":"pong"}');
    expect(received).toEqual([]);
    current?.server.close();
    const manual = harness({ answerPings: false });
    const plain = manual.connect();
    plain.receive({ type: 'ping' });
    await settle();
    expect(plain.sent).toEqual([]);
    expect(manual.received.map((r) => r.envelope.type)).toEqual(['ping']);
  });

  it('forgets a session sessionTtlMs after its connection closed: onSessionEnd, then unknown_session', async () => {
    const { join, server, ended } = harness({ sessionTtlMs: 1000 });
    const first = await join();
    const session = server.get(first.id);
    first.socket.drop();
    await settle(999);
    expect(server.get(first.id)).toBe(session);
    await settle(1);
    expect(server.get(first.id)).toBeUndefined();
    expect(ended).toEqual([session]);
    expect(await session?.send('news', 1)).toBeUndefined();
    const again = await join(first.id, 0);
    expect(again.socket.welcome?.data).toMatchObject({ reason: 'unknown_session', session: 's2' });
  });

  it('keeps a session that resumes within its TTL', async () => {
    const { join, server, ended } = harness({ sessionTtlMs: 1000 });
    const first = await join();
    first.socket.drop();
    await settle(900);
    const second = await join(first.id, 0);
    await settle(5000);
    expect(server.get(first.id)?.connected).toBe(true);
    expect(second.socket.welcome?.data).toMatchObject({ resumed: true });
    expect(ended).toEqual([]);
  });

  it('sessionRetainMs: a resume after sessionTtlMs gets the same session and acked (history gone, so a resync), and a kept send it processed is acknowledged, not processed again', async () => {
    const { join, server, received, ended } = harness({
      sessionTtlMs: 1000,
      sessionRetainMs: 3_600_000,
    });
    const first = await join();
    first.socket.receive(frame(1, 'a'));
    first.socket.receive(frame(2, 'b'));
    await settle(20);
    const session = server.get(first.id);
    await session?.send('news', 1);
    first.socket.drop();
    // A day's reload later than the TTL, within the retention: the layer let its object go.
    await settle(1000 + 60_000);
    expect(ended).toEqual([session]);
    const again = await join(first.id, 0);
    expect(again.socket.welcome?.data).toMatchObject({
      session: first.id,
      resumed: false,
      reason: 'history_gone',
      seq: 1,
      acked: 2,
    });
    // The client sends its kept sends again under their seqs: 2 was processed, 3 was not.
    again.socket.receive(frame(2, 'b'));
    again.socket.receive(frame(3, 'c'));
    await settle(20);
    expect(received.map((r) => r.envelope.data)).toEqual(['a', 'b', 'c']);
    expect(again.socket.frames.at(-1)).toMatchObject({ type: 'sockguard.ack', data: { seq: 3 } });
    // Nothing missed: a resume that saw every server frame is a plain resume.
    again.socket.drop();
    await settle(1000 + 60_000);
    const third = await join(first.id, 1);
    expect(third.socket.welcome?.data).toMatchObject({ session: first.id, resumed: true });
  });

  it('sessionRetainMs: past it the session is unknown; without it (the default) the numbering goes with the TTL', async () => {
    const retained = harness({ sessionTtlMs: 1000, sessionRetainMs: 5000 });
    const first = await retained.join();
    first.socket.drop();
    await settle(5000);
    const late = await retained.join(first.id, 0);
    expect(late.socket.welcome?.data).toMatchObject({ reason: 'unknown_session' });
    retained.server.close();
    const plain = harness({ sessionTtlMs: 1000 });
    const one = await plain.join();
    one.socket.drop();
    await settle(1000);
    const again = await plain.join(one.id, 0);
    expect(again.socket.welcome?.data).toMatchObject({ reason: 'unknown_session' });
  });

  it('sessionRetainMs below sessionTtlMs is refused, naming both', () => {
    expect(() =>
      createSessionServer({ onMessage: () => {}, sessionTtlMs: 5000, sessionRetainMs: 1000 }),
    ).toThrow(
      "createSessionServer: sessionRetainMs (1000) must be at least sessionTtlMs (5000): a session's history never outlives its numbering",
    );
  });

  it('ends a plain client session when its connection closes', async () => {
    const { connect, received, ended } = harness();
    const socket = connect();
    socket.receive(frame(undefined, 'x'));
    await settle();
    socket.drop();
    expect(ended).toEqual([received[0]?.session]);
  });

  it('close() clears every timer, sends the pending ack, and closes connections with 1001', async () => {
    const { join, server, connect } = harness({ ackDelayMs: 50 });
    const detached = await join();
    detached.socket.drop(); // a TTL timer
    const { socket } = await join();
    socket.receive(frame(1)); // an ack timer
    await settle();
    expect(vi.getTimerCount()).toBe(2);
    server.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.acks).toEqual([1]);
    expect(socket.closedWith?.code).toBe(1001);
    const late = connect();
    expect(late.closedWith?.code).toBe(1001);
  });
});

describe('createSessionServer: timers', () => {
  it('unrefs its TTL and ack timers, so a server holding sessions can still exit', async () => {
    vi.useRealTimers();
    const handles: Array<{ hasRef(): boolean }> = [];
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      callback: () => void,
      ms?: number,
    ) => {
      const handle = real(callback, ms);
      handles.push(handle as unknown as { hasRef(): boolean });
      return handle;
    }) as typeof setTimeout);
    try {
      const { connect } = harness();
      const socket = connect();
      socket.receive(hello());
      await new Promise((resolve) => setImmediate(resolve));
      socket.receive(frame(1));
      await new Promise((resolve) => setImmediate(resolve));
      socket.drop();
      expect(handles.length).toBeGreaterThanOrEqual(2);
      expect(handles.map((handle) => handle.hasRef())).toEqual(handles.map(() => false));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('createSessionServer: a session belongs to its principal and its resume secret', () => {
  /** Alice's session with something in it: one processed send, two pushes. */
  async function alicesSession(h: Harness) {
    const alice = await h.join(null, 0, 'alice');
    alice.socket.receive(frame(1, 'alice 1'));
    await settle(20);
    const session = h.server.get(alice.id) as Session;
    await session.send('news', 'for alice 1');
    await session.send('news', 'for alice 2');
    return { ...alice, session, secret: h.secrets.get(alice.id) as string };
  }

  it("session takeover with another principal: alice's id and secret from bob's connection get other_principal and a new session; nothing of hers is replayed, acked or disturbed", async () => {
    const h = harness();
    const alice = await alicesSession(h);
    // Bob, logged in where alice was (a user switch in the same tab), or an attacker who has both.
    const bob = h.connect('bob');
    bob.receive(hello(alice.id, 0, 'h1', alice.secret));
    bob.receive(frame(2, 'as alice?'));
    await settle(20);
    expect(bob.welcome?.data).toEqual({
      v: 1,
      session: 's2',
      resumed: false,
      reason: 'other_principal',
      seq: 0,
      acked: 0,
      secret: SECRET,
    });
    expect(bob.welcome?.data?.secret).not.toBe(alice.secret);
    expect(bob.app).toEqual([]);
    expect(alice.socket.closedWith).toBeUndefined();
    expect([alice.session.connected, alice.session.seq, alice.session.acked]).toEqual([true, 2, 1]);
    // Bob's frame was processed in bob's session, as bob's.
    expect(h.received.map((r) => [r.envelope.data, r.session.id, r.session.principal])).toEqual([
      ['alice 1', alice.id, 'alice'],
      ['as alice?', 's2', 'bob'],
    ]);
    // Alice goes on where she was, and while she is away bob still cannot take her session.
    expect(await alice.session.send('news', 'for alice 3')).toBe(3);
    alice.socket.drop();
    const again = h.connect('bob');
    again.receive(hello(alice.id, 0, 'h1', alice.secret));
    await settle();
    expect(again.welcome?.data).toMatchObject({ resumed: false, reason: 'other_principal' });
    const back = await h.join(alice.id, 1, 'alice');
    expect(back.socket.welcome?.data).toMatchObject({ session: alice.id, resumed: true, acked: 1 });
    expect(back.socket.app.map((f) => f.data)).toEqual(['for alice 2', 'for alice 3']);
  });

  it('takeover with a leaked id but no secret (or a wrong one) is answered exactly as a session that does not exist', async () => {
    const h = harness();
    const alice = await alicesSession(h);
    const shape = (socket: FakeSocket) => {
      const { session: _session, secret: _secret, ...rest } = socket.welcome?.data ?? {};
      return rest;
    };
    // While she is connected, then while she is away (a resume would hand over her replay).
    for (const away of [false, true]) {
      if (away) alice.socket.drop();
      const noSecret = h.connect('alice'); // even as alice herself
      noSecret.receive(hello(alice.id, 0, 'h1'));
      const wrongSecret = h.connect('alice');
      wrongSecret.receive(hello(alice.id, 0, 'h1', 'A'.repeat(43)));
      const neverSeen = h.connect('alice');
      neverSeen.receive(hello('never-seen', 0, 'h1', 'A'.repeat(43)));
      await settle(20);
      expect(shape(noSecret)).toEqual({
        v: 1,
        resumed: false,
        reason: 'unknown_session',
        seq: 0,
        acked: 0,
      });
      expect(shape(wrongSecret)).toEqual(shape(neverSeen));
      expect(shape(noSecret)).toEqual(shape(neverSeen));
      for (const socket of [noSecret, wrongSecret, neverSeen]) {
        expect(socket.welcome?.data?.session).not.toBe(alice.id);
        expect(socket.app).toEqual([]);
      }
      if (!away) expect(alice.socket.closedWith).toBeUndefined();
    }
    // Nothing of hers was ended, claimed or expired early: she resumes everything.
    expect(h.ended).toEqual([]);
    const back = await h.join(alice.id, 0, 'alice');
    expect(back.socket.welcome?.data).toMatchObject({
      session: alice.id,
      resumed: true,
      acked: 1,
      replay: 2,
    });
  });

  it('binds anonymous sessions too: the secret alone guards them, and a principal is another owner', async () => {
    const h = harness();
    const first = await h.join();
    expect(h.server.get(first.id)?.principal).toBeUndefined();
    first.socket.drop();
    const again = await h.join(first.id, 0);
    expect(again.socket.welcome?.data).toMatchObject({ session: first.id, resumed: true });
    again.socket.drop();
    const named = await h.join(first.id, 0, 'carol');
    expect(named.socket.welcome?.data).toMatchObject({ resumed: false, reason: 'other_principal' });
  });

  it('refuses accept without a principal or an explicit anonymous, naming the fix', () => {
    const { server } = harness();
    const accept = (options: unknown) => () =>
      server.accept(new FakeSocket(), options as { anonymous: true });
    expect(accept(undefined)).toThrow(TypeError);
    expect(accept(undefined)).toThrow(/accept\(socket, \{ principal \}\).*\{ anonymous: true \}/);
    expect(accept({ principal: '' })).toThrow(
      /principal must be a non-empty string of at most 512/,
    );
    expect(accept({ principal: 'x'.repeat(513) })).toThrow(/got a string of 513/);
    expect(accept({ principal: 7 })).toThrow(/principal must be .*; got number/);
    expect(accept({ anonymous: false })).toThrow(/anonymous must be true/);
    expect(accept({ principal: 'a', anonymous: true })).toThrow(/not both/);
    expect(accept({ user: 'a' })).toThrow(/unknown option user/);
    expect(accept({ principal: 'x'.repeat(512) })).not.toThrow();
  });

  it('answers a session id outside the safe alphabet as unknown, never asking the store or building a key from it', async () => {
    const memory = createMemoryHistory();
    const asked: string[] = [];
    const watched: HistoryStore = {
      ...memory,
      open: (id, after, owner, binding) => {
        asked.push(id);
        return memory.open(id, after, owner, binding);
      },
      append: (id, encode) => {
        asked.push(id);
        return memory.append(id, encode);
      },
    };
    const h = harness({ history: watched });
    for (const id of ['a}{b', `${'x'.repeat(129)}`, 'line\nbreak', 'with space', '{tenant}x']) {
      const socket = h.connect();
      socket.receive(hello(id, 0, 'h1', 'A'.repeat(43)));
      await settle();
      expect(socket.welcome?.data).toMatchObject({ resumed: false, reason: 'unknown_session' });
      expect(await h.server.send(id, 'news', 1)).toBeUndefined();
      expect(h.server.get(id)).toBeUndefined();
    }
    expect(asked).toEqual([]);
  });
});

describe('createSessionServer: client numbers are checked', () => {
  it('high meta.seq from an attacker is refused (not processed, not acknowledged) and cannot wreck the numbering', async () => {
    const h = harness();
    const { socket, id } = await h.join();
    socket.receive(frame(1, 'one'));
    const absurd = [2 ** 53 - 1, 2 ** 53, 2 ** 32 + 2, -1, 0, 1.5, '7', null];
    for (const seq of absurd) {
      socket.receive({ type: 'chat', data: 'bad', meta: { seq, request_id: `r${String(seq)}` } });
    }
    socket.receive(frame(2, 'two'));
    await settle(20);
    expect(h.received.map((r) => r.envelope.data)).toEqual(['one', 'two']);
    expect(socket.acks).toEqual([2]);
    expect(h.server.get(id)?.acked).toBe(2);
    const refusals = socket.app.filter((f) => f.type === 'error');
    expect(refusals.map((f) => [f.data?.code, f.meta?.request_id])).toEqual(
      absurd.map((seq) => [4000, `r${String(seq)}`]),
    );
  });

  it("takes a tab handover's jump of 1,000,000 above acked, and refuses past maxSeqAhead", async () => {
    const h = harness({ maxSeqAhead: 1_000_000 });
    const { socket } = await h.join();
    socket.receive(frame(1, 'one'));
    socket.receive(frame(1_000_001, 'handed over'));
    socket.receive(frame(2_000_002, 'too far'));
    await settle(20);
    expect(h.received.map((r) => r.envelope.data)).toEqual(['one', 'handed over']);
    expect(socket.acks).toEqual([1_000_001]);
  });
});

describe('createSessionServer: session ids and secrets stay out of default logs', () => {
  it('unknown session id in default logs: what the default onError prints holds no session id and no secret', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      printed.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    });
    try {
      const memory = createMemoryHistory();
      let forgotten = false;
      let down = false;
      const store: HistoryStore = {
        ...memory,
        append: (id, encode) => {
          if (forgotten) throw new UnknownSessionError(id);
          return memory.append(id, encode);
        },
        open: (id, after, owner, binding) => {
          if (down) throw new Error('connection lost');
          return memory.open(id, after, owner, binding);
        },
      };
      let n = 0;
      const h = harness({
        history: store,
        onError: undefined,
        newSessionId: () => `sid-${++n}-q7zx`,
      });
      const first = await h.join();
      const secret = h.secrets.get(first.id) as string;
      await h.server.get(first.id)?.send('news', 1);
      forgotten = true; // the store lost it: a send finds out
      await h.server.get(first.id)?.send('news', 2);
      await h.server.send(first.id, 'news', 3);
      forgotten = false;
      const second = await h.join();
      second.socket.drop();
      down = true; // a resume while the store cannot be read
      await h.join(second.id, 0);
      const logged = printed.join('\n');
      expect(logged).toContain('store open failed');
      for (const needle of [first.id, second.id, secret, h.secrets.get(second.id) as string]) {
        expect(logged).not.toContain(needle);
      }
    } finally {
      spy.mockRestore();
    }
  });
});

describe('createSessionServer: a session the store forgot', () => {
  it('is ended as soon as a send finds it gone: close 1012, the client resumes and is told unknown_session, nothing strands', async () => {
    const memory = createMemoryHistory();
    const lost = new Set<string>();
    const store: HistoryStore = {
      ...memory,
      append: (id, encode) => {
        if (lost.has(id)) throw new UnknownSessionError(id);
        return memory.append(id, encode);
      },
      open: (id, after, owner, binding) =>
        lost.has(id) ? undefined : memory.open(id, after, owner, binding),
    };
    const h = harness({ history: store });
    const first = await h.join();
    lost.add(first.id); // Redis restarted empty, say
    expect(await h.server.send(first.id, 'news', 1)).toBeUndefined();
    expect(first.socket.closedWith).toEqual({
      code: 1012,
      reason: 'Session forgotten by the store: resume',
    });
    expect(h.server.get(first.id)).toBeUndefined();
    expect(h.ended.map((s) => s.id)).toEqual([first.id]);
    const back = await h.join(first.id, 0);
    expect(back.socket.welcome?.data).toMatchObject({ resumed: false, reason: 'unknown_session' });
    expect(await h.server.send(back.id, 'news', 2)).toBe(1);
    expect(back.socket.app.map((f) => f.data)).toEqual([2]);
    expect(h.errors).toEqual([]); // found and handled, not a store failure
  });
});

describe('createSessionServer: every buffer has a bound', () => {
  /** A store whose create waits until the test lets it go (a slow Redis). */
  function slowCreate() {
    const memory = createMemoryHistory();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store: HistoryStore = {
      ...memory,
      create: async (id, owner, binding) => {
        await gate;
        memory.create(id, owner, binding);
      },
    };
    return { store, release: () => release() };
  }

  it('pre-welcome backlog: past maxBacklogFrames (64) before the welcome the connection is closed with 1008, nothing processed', async () => {
    const slow = slowCreate();
    const h = harness({ history: slow.store });
    const socket = h.connect();
    socket.receive(hello());
    for (let i = 0; i < 64; i++) socket.receive(frame(i + 1, 'early'));
    await settle();
    expect(socket.closedWith).toBeUndefined();
    socket.receive(frame(65, 'one too many'));
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'Too many frames before the welcome' });
    slow.release();
    await settle(20);
    expect(h.received).toEqual([]);
    expect(socket.sent).toEqual([]);
  });

  it('pre-welcome backlog: past maxBacklogBytes the connection is closed with 1008', async () => {
    const slow = slowCreate();
    const h = harness({ history: slow.store, maxBacklogBytes: 1000 });
    const socket = h.connect();
    socket.receive(hello());
    socket.receive(frame(1, 'x'.repeat(900)));
    expect(socket.closedWith).toBeUndefined();
    socket.receive(frame(2, 'x'.repeat(100)));
    expect(socket.closedWith?.code).toBe(1008);
    slow.release();
    await settle();
  });

  it('per-session inbound queue: past maxQueuedFrames the socket is paused, and read again once a slow async handler worked it down to half', async () => {
    const h = harness({
      maxQueuedFrames: 10,
      onMessage: async (envelope, session) => {
        h.received.push({ envelope, session });
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const socket = new PausableSocket();
    h.connect(undefined, socket);
    socket.receive(hello());
    await settle();
    for (let seq = 1; seq <= 10; seq++) socket.receive(frame(seq));
    expect(socket.calls).toEqual([]);
    socket.receive(frame(11));
    expect(socket.calls).toEqual(['pause']);
    await settle(20 * 5);
    expect(socket.calls).toEqual(['pause']); // 6 still waiting
    await settle(20);
    expect(socket.calls).toEqual(['pause', 'resume']); // 5: half
    await settle(20 * 6);
    expect(h.received.map((r) => r.envelope.meta?.seq)).toEqual(
      Array.from({ length: 11 }, (_, i) => i + 1),
    );
    expect(socket.acks.at(-1)).toBe(11);
  });

  it('per-session inbound queue: counts bytes too, and closes with 1013 a socket that cannot pause once twice the limit waits', async () => {
    const handler = {
      onMessage: () => new Promise<void>((resolve) => setTimeout(resolve, 20)),
    };
    const h = harness({ ...handler, maxQueuedBytes: 2000 });
    const bytes = new PausableSocket();
    h.connect(undefined, bytes);
    bytes.receive(hello());
    await settle();
    bytes.receive(frame(1, 'x'.repeat(1500)));
    expect(bytes.calls).toEqual([]);
    bytes.receive(frame(2, 'x'.repeat(600)));
    expect(bytes.calls).toEqual(['pause']);
    const plain = h.connect(); // no pause(): a plain client, no hello
    for (let i = 0; i < 4; i++) plain.receive({ type: 'chat', data: 'x'.repeat(900) });
    expect(plain.closedWith).toBeUndefined();
    plain.receive({ type: 'chat', data: 'x'.repeat(900) });
    expect(plain.closedWith).toEqual({
      code: 1013,
      reason: 'Too many frames waiting: try again later',
    });
    await settle(200);
  });

  it('outbound buffer of a client that stops reading: past maxBufferedBytes it is closed as a slow consumer (1013, socket destroyed) and its session resumes with what it missed', async () => {
    const h = harness({ maxBufferedBytes: 1000 });
    const { socket, id } = await h.join();
    const session = h.server.get(id) as Session;
    socket.unread = 900;
    await session.send('news', 1);
    expect(socket.closedWith).toBeUndefined();
    socket.unread = 1001;
    await session.send('news', 2);
    expect(socket.closedWith).toEqual({ code: 1013, reason: 'Slow consumer: try again later' });
    expect(socket.terminated).toBe(true);
    expect(await session.send('news', 3)).toBe(3);
    const back = await h.join(id, 1);
    expect(back.socket.welcome?.data).toMatchObject({ resumed: true, replay: 2 });
    expect(back.socket.app.map((f) => f.data)).toEqual([2, 3]);
  });

  it("does not count what a resume's replay leaves unsent until it drained below the limit once", async () => {
    const h = harness({ maxBufferedBytes: 300 });
    const first = await h.join();
    const session = h.server.get(first.id) as Session;
    first.socket.drop();
    for (let n = 0; n < 10; n++) await session.send('news', 'x'.repeat(40)); // ~700 chars kept
    const reader = new UnreadSocket();
    h.connect(undefined, reader);
    reader.receive(hello(first.id, 0, 'h1', h.secrets.get(first.id)));
    await settle();
    expect(reader.welcome?.data).toMatchObject({ resumed: true, replay: 10 });
    expect(reader.unread).toBeGreaterThan(700);
    await session.send('news', 'live'); // still within the replay's allowance
    expect(reader.closedWith).toBeUndefined();
    reader.unread = 100; // the client read it all but 100
    await session.send('news', 'x'.repeat(100));
    expect(reader.closedWith).toBeUndefined();
    await session.send('news', 'x'.repeat(100)); // the allowance is gone: 300 is the limit again
    expect(reader.closedWith?.code).toBe(1013);
  });

  it('frame size is checked before decoding: a Buffer over maxFrameBytes (1 MiB) is answered 4000 and never decoded', async () => {
    const h = harness();
    const { socket } = await h.join();
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    try {
      socket.emit('message', Buffer.alloc(1_048_577, 0x20), false);
      socket.emit('message', [Buffer.alloc(600_000, 0x20), Buffer.alloc(600_000, 0x20)], false);
      expect(decode).not.toHaveBeenCalled();
      socket.emit('message', Buffer.from(JSON.stringify(frame(1, 'fits'))), false);
      expect(decode).toHaveBeenCalledTimes(1);
    } finally {
      decode.mockRestore();
    }
    await settle();
    expect(socket.app.slice(0, 2).map((f) => f.data?.code)).toEqual([4000, 4000]);
    expect(h.received.map((r) => r.envelope.data)).toEqual(['fits']);
  });

  it('JSON depth is checked before JSON.parse: a frame nested 400,000 deep is answered 4000 and never parsed', async () => {
    const h = harness();
    const { socket } = await h.join();
    const parse = vi.spyOn(JSON, 'parse');
    let parsed: number;
    try {
      socket.receive(`{"type":"x","data":${'['.repeat(400_000)}${']'.repeat(400_000)}}`);
      parsed = parse.mock.calls.length;
    } finally {
      parse.mockRestore();
    }
    await settle();
    expect(parsed).toBe(0);
    expect(socket.app[0]?.data).toMatchObject({ code: 4000 });
  });

  it('sessions per server: a hello that needs one more than maxSessions is closed with 1013, without a welcome', async () => {
    const h = harness({ maxSessions: 2, sessionTtlMs: 1000 });
    const a = await h.join();
    await h.join();
    const full = h.connect();
    full.receive(hello());
    const stranger = h.connect();
    stranger.receive(hello('held-elsewhere', 0, 'h1', 'A'.repeat(43)));
    await settle();
    for (const socket of [full, stranger]) {
      expect(socket.closedWith).toEqual({
        code: 1013,
        reason: 'Too many sessions: try again later',
      });
      expect(socket.sent).toEqual([]);
    }
    // A session held here still resumes; one forgotten makes room.
    a.socket.drop();
    expect((await h.join(a.id, 0)).socket.welcome?.data).toMatchObject({ resumed: true });
    expect(h.server.size).toBe(2);
  });
});
