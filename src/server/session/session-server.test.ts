// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../protocol/envelope.js';
import type { HistoryStore } from './history-store.js';
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
  private readonly listeners = new Map<string, Listener[]>();

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
  connect(principal?: string): FakeSocket;
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
  const connect = (principal?: string) => {
    const socket = new FakeSocket();
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
