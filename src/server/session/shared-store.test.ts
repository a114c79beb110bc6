// @vitest-environment node
// The session layer over a store shared by several instances (one with `subscribe`): two layers
// on one in-process bus that behaves as Redis pub/sub does (events in the store's order, delivered
// later, possibly lost), on fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryStore, SessionEvent } from './history-store.js';
import { hashSecret } from './identity.js';
import { GAP_WAIT_MS } from './live-feed.js';
import { createMemoryHistory } from './memory-history.js';
import { createSessionServer } from './session-server.js';
import type { Session, SessionError, SessionServer, SessionSocket } from './types.js';

type Listener = (...args: never[]) => void;
interface Frame {
  type: string;
  data?: unknown;
  meta?: { seq?: number };
}

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
  receive(frame: unknown): void {
    this.emit('message', JSON.stringify(frame), false);
  }
  drop(): void {
    this.readyState = 3;
    this.emit('close');
  }
  get frames(): Frame[] {
    return this.sent.map((text) => JSON.parse(text) as Frame);
  }
  get app(): Frame[] {
    return this.frames.filter((f) => !f.type.startsWith('sockguard.'));
  }
  get welcome() {
    return this.frames.find((f) => f.type === 'sockguard.welcome')?.data as
      | { session: string; resumed: boolean; seq: number; replay?: number; reason?: string }
      | undefined;
  }
}

/**
 * A memory store shared by two layers, with pub/sub: events wait in a queue until `flush` (as
 * messages on their way from Redis), or go at once with `live`.
 */
function sharedStore() {
  const memory = createMemoryHistory({ now: () => Date.now() });
  const listeners = new Map<string, Set<(event: SessionEvent) => void>>();
  const queue: Array<() => void> = [];
  const calls: string[] = [];
  let live = true;
  const publish = (id: string, event: SessionEvent) => {
    const deliver = () => {
      for (const listener of [...(listeners.get(id) ?? [])]) listener(event);
    };
    if (live) deliver();
    else queue.push(deliver);
  };
  const store: HistoryStore = {
    create(id, owner, binding) {
      calls.push(`create ${owner}`);
      memory.create(id, owner, binding);
      publish(id, { type: 'claimed', owner });
    },
    open(id, afterSeq, owner, binding) {
      calls.push(`open ${owner}`);
      const opened = memory.open(id, afterSeq, owner, binding);
      if (typeof opened === 'object') publish(id, { type: 'claimed', owner });
      return opened;
    },
    append(id, encode) {
      let text = '';
      const seq = memory.append(id, (s) => {
        text = encode(s);
        return text;
      });
      publish(id, { type: 'frame', seq, text });
      return seq;
    },
    setAcked: (id, acked) => memory.setAcked(id, acked),
    expire(id, ttl, owner) {
      calls.push(`expire ${owner}`);
      memory.expire(id, ttl, owner);
    },
    subscribe(id, listener) {
      const set = listeners.get(id) ?? new Set();
      set.add(listener);
      listeners.set(id, set);
      return () => set.delete(listener);
    },
  };
  return {
    store,
    memory,
    calls,
    hold: () => {
      live = false;
    },
    flush: () => {
      live = true;
      for (const deliver of queue.splice(0)) deliver();
    },
    /** Tells every subscriber of `id` (on every layer) that the store forgot the session. */
    forget: (id: string) => {
      for (const listener of [...(listeners.get(id) ?? [])]) listener({ type: 'forgotten' });
    },
    /** Drops what is on its way and tells every subscriber it may have missed events. */
    lose: () => {
      queue.length = 0;
      for (const set of listeners.values()) {
        for (const listener of [...set]) listener({ type: 'lost' });
      }
    },
    subscribers: (id: string) => listeners.get(id)?.size ?? 0,
  };
}

const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);
const hello = (session: string | null, lastSeq: number, secret: string | undefined) => ({
  type: 'sockguard.hello',
  data: { v: 1, session, last_seq: lastSeq, ...(secret === undefined ? {} : { secret }) },
  meta: { request_id: 'h' },
});
/** The resume secret of each session, from its welcomes, shared by every instance's clients. */
const secrets = new Map<string, string>();

interface Instance {
  server: SessionServer<FakeSocket>;
  received: unknown[];
  errors: SessionError[];
  ended: Session[];
  join(session?: string | null, lastSeq?: number, principal?: string): Promise<FakeSocket>;
}

const servers: SessionServer<FakeSocket>[] = [];
let ids = 0;

function instance(store: HistoryStore, sessionTtlMs = 1000): Instance {
  const received: unknown[] = [];
  const errors: SessionError[] = [];
  const ended: Session[] = [];
  const server = createSessionServer<FakeSocket>({
    onMessage: (envelope) => {
      received.push(envelope.data);
    },
    onError: (error) => errors.push(error),
    onSessionEnd: (session) => ended.push(session),
    history: store,
    sessionTtlMs,
    newSessionId: () => `s${++ids}`,
  });
  servers.push(server);
  return {
    server,
    received,
    errors,
    ended,
    async join(session = null, lastSeq = 0, principal = 'alice') {
      const socket = new FakeSocket();
      server.accept(socket, { principal });
      socket.receive(hello(session, lastSeq, session === null ? undefined : secrets.get(session)));
      await settle();
      const welcome = socket.frames.find((f) => f.type === 'sockguard.welcome')?.data as
        | { session: string; secret: string }
        | undefined;
      if (welcome !== undefined) secrets.set(welcome.session, welcome.secret);
      return socket;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  vi.useRealTimers();
});

describe('createSessionServer over a store shared by several instances', () => {
  it('writes a frame numbered on another instance to the connection held here', async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const b = instance(shared.store);
    const socket = await b.join();
    const id = socket.welcome?.session as string;
    expect(a.server.get(id)).toBeUndefined();
    expect(await a.server.send(id, 'news', 'from a')).toBe(1);
    expect(await b.server.send(id, 'news', 'from b')).toBe(2);
    await settle();
    expect(socket.app.map((f) => [f.data, f.meta?.seq])).toEqual([
      ['from a', 1],
      ['from b', 2],
    ]);
    // Unknown to the store: nothing numbered, nothing reported (the app sent to an old id).
    expect(await a.server.send('gone', 'news', 1)).toBeUndefined();
    expect(await a.server.send(id, 'pong')).toBeUndefined();
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('holds a frame numbered here until an earlier one from another instance arrives: each once, in seq order', async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const b = instance(shared.store);
    const socket = await b.join();
    const id = socket.welcome?.session as string;
    shared.hold();
    await a.server.send(id, 'news', 1); // seq 1, on its way
    await b.server.send(id, 'news', 2); // seq 2, numbered here: waits for 1
    expect(socket.app).toEqual([]);
    shared.flush(); // 1 arrives, then 2 comes back through the subscription too
    await settle();
    expect(socket.app.map((f) => f.meta?.seq)).toEqual([1, 2]);
  });

  it('makes the client resume when a missing frame does not come, or when the subscription lost events', async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const b = instance(shared.store);
    const first = await b.join();
    const id = first.welcome?.session as string;
    shared.hold();
    await a.server.send(id, 'news', 1);
    await b.server.send(id, 'news', 2);
    shared.lose(); // seq 1's message never comes; the bus says so
    await settle();
    expect(first.closedWith).toMatchObject({ code: 1012 });
    expect(first.app).toEqual([]);
    shared.flush();
    const second = await b.join(id, 0);
    expect(second.welcome).toMatchObject({ resumed: true, replay: 2 });
    expect(second.app.map((f) => f.meta?.seq)).toEqual([1, 2]);

    // A hole with no news from the bus: after GAP_WAIT_MS the client resumes all the same.
    shared.hold();
    await a.server.send(id, 'news', 3);
    shared.flush();
    shared.hold();
    await a.server.send(id, 'news', 4);
    await b.server.send(id, 'news', 5);
    await settle(GAP_WAIT_MS - 10);
    expect(second.closedWith).toBeUndefined();
    await settle(20);
    expect(second.closedWith).toMatchObject({ code: 1012 });
    expect(second.app.map((f) => f.meta?.seq)).toEqual([1, 2, 3]);
  });

  it('lets the session go when a connection elsewhere claims it later, without a stale expire', async () => {
    const shared = sharedStore();
    const a = instance(shared.store, 1000);
    const b = instance(shared.store, 1000);
    const old = await a.join();
    const id = old.welcome?.session as string;
    old.receive({ type: 'chat', data: 'one', meta: { seq: 1 } });
    await settle(20);
    const moved = await b.join(id, 0);
    expect(moved.welcome).toMatchObject({ resumed: true, session: id });
    expect(old.closedWith).toEqual({ code: 1000, reason: 'Session resumed on another connection' });
    expect(a.ended.map((s) => s.id)).toEqual([id]);
    expect(a.server.get(id)).toBeUndefined();
    // Resent on the new connection: a duplicate, acked again, not processed twice.
    moved.receive({ type: 'chat', data: 'one', meta: { seq: 1 } });
    moved.receive({ type: 'chat', data: 'two', meta: { seq: 2 } });
    await settle(20);
    expect([...a.received, ...b.received]).toEqual(['one', 'two']);
    // The old instance never expired it: it lives on where it is held, past the TTL.
    expect(shared.calls.filter((call) => call.startsWith('expire'))).toEqual([]);
    await settle(5000);
    const proof = { principal: 'alice', secretHash: hashSecret(secrets.get(id) as string) };
    expect(shared.memory.open(id, 0, 'probe', proof)).toBeDefined();
  });

  it('passes one owner token per claim to create or open and to the expire that ends it', async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const socket = await a.join();
    socket.drop();
    await settle();
    const again = await a.join(socket.welcome?.session, 0);
    again.drop();
    await settle();
    const [create, expire1, open, expire2] = shared.calls;
    expect(create?.replace('create ', 'expire ')).toBe(expire1);
    expect(open?.replace('open ', 'expire ')).toBe(expire2);
    expect(create).not.toBe(open?.replace('open ', 'create '));
    expect(shared.subscribers(socket.welcome?.session as string)).toBe(0);
  });

  it('does not process client frames that arrive after close(): the next holder does', async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const socket = await a.join();
    a.server.close();
    socket.readyState = 1; // a frame already on its way when the layer closed
    socket.receive({ type: 'chat', data: 'late', meta: { seq: 1 } });
    await settle(20);
    expect(a.received).toEqual([]);
  });

  it("session takeover on another instance: the store checks the binding before it claims, so the owner's connection is not disturbed anywhere", async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const b = instance(shared.store);
    const owner = await a.join(null, 0, 'alice');
    const id = owner.welcome?.session as string;
    const secret = secrets.get(id) as string;
    await a.server.send(id, 'news', 'for alice');
    for (const [principal, proof] of [
      ['mallory', secret], // the right secret, another principal
      ['alice', 'A'.repeat(43)], // a leaked id with a guessed secret
      ['alice', undefined], // a leaked id alone
    ] as const) {
      const socket = new FakeSocket();
      b.server.accept(socket, { principal });
      socket.receive(hello(id, 0, proof));
      await settle(20);
      expect(socket.welcome).toMatchObject({
        resumed: false,
        reason: principal === 'mallory' ? 'other_principal' : 'unknown_session',
      });
      expect(socket.welcome?.session).not.toBe(id);
      expect(socket.app).toEqual([]);
    }
    // No claim was published: the owner keeps its connection, and the store its claim.
    expect(owner.closedWith).toBeUndefined();
    expect(a.server.get(id)?.connected).toBe(true);
    expect(b.server.get(id)).toBeUndefined();
    expect(shared.calls.filter((call) => call.startsWith('open'))).toHaveLength(2);
    owner.drop();
    await settle();
    await settle(1000); // the owner's own expire still ends it: nobody else claimed it
    expect(
      shared.memory.open(id, 0, 'probe', { principal: 'alice', secretHash: hashSecret(secret) }),
    ).toBeUndefined();
  });

  it('ends a session on the instance holding it when the store says it forgot it: close 1012, the client is told unknown_session', async () => {
    const shared = sharedStore();
    const a = instance(shared.store);
    const b = instance(shared.store);
    const socket = await b.join();
    const id = socket.welcome?.session as string;
    shared.forget(id);
    await settle();
    expect(socket.closedWith).toEqual({
      code: 1012,
      reason: 'Session forgotten by the store: resume',
    });
    expect(b.server.get(id)).toBeUndefined();
    expect(b.ended.map((s) => s.id)).toEqual([id]);
    expect(a.ended).toEqual([]);
  });
});
