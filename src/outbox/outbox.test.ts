/**
 * The durable outbox (issue 22, SPEC.md section 9) on a socket, against a fake WebSocket that
 * plays the server's side by hand and an in-memory storage shared by two sockets: the first is a
 * page that goes (never closed: its sockets stop answering), the second the next page load.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ackOn, helloOf, welcomeOn } from '../../test/support/delivery-wire.js';
import type { FakeWebSocket } from '../../test/support/fake-websocket.js';
import { openLast, setup } from '../../test/support/socket-setup.js';
import type { SendResult } from '../core/types.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { outboxOf } from './channel.js';
import { memoryStorage } from './memory.js';
import { durable, indexedDbOutbox, type OutboxLocks, type OutboxOptions } from './outbox.js';
import { OutboxError, type OutboxStorage } from './storage.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const sent = (ws: FakeWebSocket) =>
  ws
    .frames()
    .filter((f) => !f.type.startsWith('sockguard.'))
    .map((f) => [f.meta?.seq, (f.data as { n: number }).n]);

/** A page: a socket with delivery and an outbox over `storage`. */
function page(storage: OutboxStorage, extra: Partial<OutboxOptions> = {}) {
  const outbox = indexedDbOutbox({ user: 'ann', storage, locks: null, ...extra });
  const s = setup({ heartbeat: false, delivery: delivery({ outbox }) });
  const send = (n: number): SendResult => s.socket.send('chat', { n });
  return { ...s, send, outbox: () => outboxOf(s.socket).getSnapshot() };
}

/** A page whose socket is open and welcomed (a new session `s1`, secret `k1`). */
async function welcomed(storage: OutboxStorage) {
  const p = page(storage);
  const ws = openLast(p);
  await settle();
  welcomeOn(ws);
  await settle();
  return { p, ws };
}

/** Lets the storage's promises and the restore run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('outbox: what a page kept goes with the next page, exactly once', () => {
  it('offline: sends are kept on the device; the next page sends them once, in order, before its own', async () => {
    const storage = memoryStorage();
    const first = page(storage);
    await settle();
    const results = [1, 2, 3].map(first.send);
    await settle();
    expect(await Promise.all(results.map(durable))).toEqual([true, true, true]);
    expect((await storage.load('default', 'ann')).messages.map((m) => m.seq)).toEqual([1, 2, 3]);

    // The page goes without a word: its socket never connected.
    const next = page(storage);
    const ws = openLast(next);
    // The hello waits for what was kept; a send made meanwhile goes after it, kept as well.
    const early = durable(next.send(4));
    expect(ws.frames()).toHaveLength(0);
    await settle();
    expect(helloOf(ws).data).toEqual({ v: 1, session: null, last_seq: 0 });
    expect(next.outbox().kept.map((k) => [k.data, k.status])).toEqual([
      [{ n: 1 }, 'pending'],
      [{ n: 2 }, 'pending'],
      [{ n: 3 }, 'pending'],
    ]);
    welcomeOn(ws);
    await settle();
    expect(sent(ws)).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    expect(await early).toBe(true);
    expect((await storage.load('default', 'ann')).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    ackOn(ws, 4);
    await settle();
    expect(next.outbox().kept.map((k) => k.status)).toEqual([
      'acknowledged',
      'acknowledged',
      'acknowledged',
    ]);
    expect((await storage.load('default', 'ann')).messages).toEqual([]);
  });

  it('a session the server knows is resumed with its secret: what it processed is acknowledged, not sent again', async () => {
    const storage = memoryStorage();
    const first = page(storage);
    const a = openLast(first);
    await settle();
    welcomeOn(a, { session: 's1' });
    await settle();
    [1, 2, 3].map(first.send);
    await settle();
    expect(sent(a)).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    // The server processed 1 and 2; the acks never came: the page went.
    const next = page(storage);
    const b = openLast(next);
    next.send(4);
    await settle();
    expect(helloOf(b).data).toEqual({ v: 1, session: 's1', last_seq: 0, secret: 'k1' });
    welcomeOn(b, { session: 's1', resumed: true, acked: 2 });
    await settle();
    // 3 under its own seq, then this page's send after every seq the first page used.
    expect(sent(b)).toEqual([
      [3, 3],
      [4, 4],
    ]);
    expect(next.outbox().kept.map((k) => k.status)).toEqual([
      'acknowledged',
      'acknowledged',
      'pending',
    ]);
    ackOn(b, 4);
    await settle();
    expect(next.outbox().kept.map((k) => k.status)).toEqual([
      'acknowledged',
      'acknowledged',
      'acknowledged',
    ]);
  });

  it('the server processed more than the page kept (a request): this page numbers its sends above it', async () => {
    const storage = memoryStorage();
    const { p: first } = await welcomed(storage);
    first.send(1);
    // A request is not kept on the device: its reply would go to a page that is gone.
    first.socket.send('ask', { n: 0 }, { request_id: 'r1' });
    await settle();
    const next = page(storage);
    const b = openLast(next);
    next.send(2);
    await settle();
    welcomeOn(b, { session: 's1', resumed: true, acked: 2 });
    await settle();
    expect(sent(b)).toEqual([[3, 2]]);
    // The device keeps the new number too: a page that goes now sends it as 3.
    expect((await storage.load('default', 'ann')).messages.map((m) => m.seq)).toEqual([3]);
    const after = page(storage);
    const c = openLast(after);
    await settle();
    welcomeOn(c, { session: 's1', resumed: true, acked: 2 });
    await settle();
    expect(sent(c)).toEqual([[3, 2]]);
  });

  it('the server forgot the session: a send that may have been processed is told, never sent twice; one never written goes in the new session', async () => {
    const storage = memoryStorage();
    const { p: first } = await welcomed(storage);
    first.send(1);
    await settle();
    const next = page(storage);
    const b = openLast(next);
    next.send(2);
    await settle();
    welcomeOn(b, { session: 's2', reason: 'unknown_session' });
    await settle();
    expect(sent(b)).toEqual([[2, 2]]);
    const [one] = next.outbox().kept;
    expect(one?.status).toBe('failed');
    expect(one?.fault).toMatchObject({ code: 'session_changed' });
    expect(one?.fault?.detail.cause).toMatch(/may have been processed/);
    expect((await storage.load('default', 'ann')).messages.map((m) => m.seq)).toEqual([2]);
  });

  it('a new session is kept on the device before anything is sent in it (a page gone after a send must not leave it looking unsent)', async () => {
    const storage = memoryStorage();
    let saved: () => void = () => {};
    const save = storage.saveSession.bind(storage);
    vi.spyOn(storage, 'saveSession').mockImplementation(
      (...args) =>
        new Promise<void>((resolve) => {
          saved = () => void save(...args).then(resolve);
        }),
    );
    const p = page(storage);
    const ws = openLast(p);
    await settle();
    p.send(1);
    welcomeOn(ws);
    await settle();
    expect(sent(ws)).toEqual([]);
    saved();
    await settle();
    expect(sent(ws)).toEqual([[1, 1]]);
    expect((await storage.load('default', 'ann')).session).toMatchObject({
      session: 's1',
      secret: 'k1',
    });
  });

  it("one user's kept sends are never loaded, sent or shown for another", async () => {
    const storage = memoryStorage();
    const ann = page(storage);
    await settle();
    ann.send(1);
    await settle();
    const bob = page(storage, { user: 'bob' });
    const ws = openLast(bob);
    await settle();
    expect(helloOf(ws).data).toEqual({ v: 1, session: null, last_seq: 0 });
    welcomeOn(ws);
    await settle();
    expect(sent(ws)).toEqual([]);
    expect(bob.outbox()).toMatchObject({ status: 'durable', kept: [] });
  });

  it('endSession() (a logout) forgets what the device kept for the user', async () => {
    const storage = memoryStorage();
    const { p: first } = await welcomed(storage);
    first.send(1);
    await settle();
    deliveryOf(first.socket).endSession();
    await settle();
    expect(await storage.load('default', 'ann')).toEqual({ session: null, messages: [], acked: 0 });
  });
});

describe('outbox: a server that does not speak delivery', () => {
  it('nothing is kept for the next page: it would send again what a plain server processed at most once', async () => {
    const storage = memoryStorage();
    const p = page(storage);
    const ws = openLast(p);
    await settle();
    p.send(1);
    // The server answers the hello with an error: it does not speak delivery.
    ws.receive({
      type: 'error',
      data: { code: 4000, message: 'unknown type' },
      meta: { request_id: helloOf(ws).meta?.request_id },
    });
    await settle();
    const later = p.send(2);
    await settle();
    expect(await durable(later)).toBe(false);
    expect(p.outbox().status).toBe('not_durable');
    expect((await storage.load('default', 'ann')).messages).toEqual([]);
  });
});

describe('outbox: what the app sees and does', () => {
  it('discard(id) gives up a kept send: not sent, forgotten on the device, its entry failed', async () => {
    const storage = memoryStorage();
    const first = page(storage);
    await settle();
    [1, 2].map(first.send);
    await settle();
    const next = page(storage);
    const ws = openLast(next);
    await settle();
    const [one] = next.outbox().kept;
    expect(outboxOf(next.socket).discard(one?.id ?? '')).toBe(true);
    expect(next.outbox().kept[0]).toMatchObject({ status: 'failed' });
    welcomeOn(ws);
    await settle();
    expect(sent(ws)).toEqual([[2, 2]]);
    expect((await storage.load('default', 'ann')).messages.map((m) => m.seq)).toEqual([2]);
    // A settled entry leaves the list on discard.
    expect(outboxOf(next.socket).discard(one?.id ?? '')).toBe(false);
    expect(next.outbox().kept).toHaveLength(1);
  });

  it('a storage that cannot keep a send: a not_durable fault, durable() false, the send still goes', async () => {
    const storage = memoryStorage();
    vi.spyOn(storage, 'add').mockRejectedValue(new OutboxError('quota', 'over quota'));
    const p = page(storage);
    const ws = openLast(p);
    await settle();
    welcomeOn(ws);
    const result = p.send(1);
    await settle();
    expect(await durable(result)).toBe(false);
    expect(p.socket.errors.getState().history.map((f) => f.code)).toContain('not_durable');
    expect(sent(ws)).toEqual([[1, 1]]);
  });

  it("an app's storage or locks that throw instead of rejecting: faults, never a throw from send(), the socket goes on", async () => {
    const storage = memoryStorage();
    vi.spyOn(storage, 'add').mockImplementation(() => {
      throw new Error('storage bug');
    });
    const p = page(storage);
    const ws = openLast(p);
    await settle();
    welcomeOn(ws);
    let result: SendResult | undefined;
    expect(() => {
      result = p.send(1);
    }).not.toThrow();
    await settle();
    expect(await durable(result as SendResult)).toBe(false);
    expect(sent(ws)).toEqual([[1, 1]]);
    const locks: OutboxLocks = {
      request() {
        throw new Error('locks bug');
      },
    };
    const q = page(memoryStorage(), { locks });
    const qs = openLast(q);
    await settle();
    expect(q.outbox().status).toBe('not_durable');
    welcomeOn(qs);
    q.send(2);
    await settle();
    expect(sent(qs)).toEqual([[1, 2]]);
  });

  const message = { seq: 1, id: 'k1', text: '{}', bytes: 2, at: 0 };
  const session = { session: 's1', secret: 'k1', lastSeq: 1, highest: 0 };
  it.each([
    ['not an object', null],
    ['acked not a count', { session: null, messages: [], acked: -1 }],
    [
      'a session without its secret',
      { session: { ...session, secret: 7 }, messages: [], acked: 0 },
    ],
    [
      'a lastSeq that is not a number',
      { session: { ...session, lastSeq: 'x' }, messages: [], acked: 0 },
    ],
    ['messages not a list', { session: null, messages: {}, acked: 0 }],
    ['a seq of 0', { session: null, messages: [{ ...message, seq: 0 }], acked: 0 }],
    ['seqs out of order', { session: null, messages: [{ ...message, seq: 2 }, message], acked: 0 }],
    ['a seq twice', { session: null, messages: [message, message], acked: 0 }],
    ['a send without its id', { session: null, messages: [{ ...message, id: '' }], acked: 0 }],
    [
      'a send without its text',
      { session: null, messages: [{ ...message, text: null }], acked: 0 },
    ],
    ['acked ids not text', { session: null, messages: [], acked: 0, ackedIds: [1] }],
  ])(
    'a storage that reads back what the contract does not allow (%s): nothing of it is sent or resumed, a fault names it, the socket goes on',
    async (_, read) => {
      const storage = memoryStorage();
      vi.spyOn(storage, 'load').mockResolvedValue(read as never);
      const p = page(storage);
      const ws = openLast(p);
      await settle();
      expect(helloOf(ws).data).toEqual({ v: 1, session: null, last_seq: 0 });
      expect(p.outbox()).toMatchObject({ status: 'not_durable', kept: [] });
      const fault = p.socket.errors.getState().history.find((f) => f.code === 'not_durable');
      expect(fault?.detail.cause).toContain('malformed');
      welcomeOn(ws);
      const result = p.send(1);
      await settle();
      expect(sent(ws)).toEqual([[1, 1]]);
      expect(await durable(result)).toBe(false);
    },
  );

  it('a storage that reads back a sound record of every shape is trusted (the check refuses nothing the contract allows)', async () => {
    const storage = memoryStorage();
    const read = {
      session,
      messages: [message, { ...message, seq: 3, id: 'k3' }],
      acked: 0,
      ackedIds: ['k0'],
    };
    vi.spyOn(storage, 'load').mockResolvedValue(read);
    const p = page(storage);
    const ws = openLast(p);
    await settle();
    expect(helloOf(ws).data).toEqual({ v: 1, session: 's1', last_seq: 0, secret: 'k1' });
    expect(p.outbox().status).toBe('durable');
  });

  it('a storage that never answers: the hello waits loadTimeoutMs at most, then the socket goes on, not durable', async () => {
    const storage = memoryStorage();
    vi.spyOn(storage, 'load').mockReturnValue(new Promise(() => {}));
    const p = page(storage, { loadTimeoutMs: 2000 });
    const ws = openLast(p);
    const result = p.send(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(ws.frames()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    welcomeOn(ws);
    await settle();
    expect(sent(ws)).toEqual([[1, 1]]);
    expect(p.outbox().status).toBe('not_durable');
    expect(await durable(result)).toBe(false);
  });

  it('another socket holds the outbox (a second tab): this one is not durable and says so', async () => {
    const storage = memoryStorage();
    let holder = false;
    const locks: OutboxLocks = {
      request(_name, options, callback) {
        if (!holder) {
          holder = true;
          return callback({});
        }
        return new Promise((_, reject) =>
          options.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
    };
    const first = page(storage, { locks });
    await settle();
    first.send(1);
    await settle();
    const second = page(storage, { locks, loadTimeoutMs: 500 });
    openLast(second);
    await vi.advanceTimersByTimeAsync(500);
    expect(second.outbox().status).toBe('not_durable');
    expect(second.outbox().kept).toEqual([]);
    expect(second.socket.errors.getState().history.map((f) => f.code)).toContain('not_durable');
  });

  it('a suspension (a long outage) keeps durable sends; close() settles them and the device forgets them', async () => {
    const storage = memoryStorage();
    const p = page(storage);
    await settle();
    const result = p.send(1);
    await settle();
    const delivered = result.status === 'queued' ? result.delivered : undefined;
    const fate = vi.fn();
    delivered?.then(fate, fate);
    await vi.advanceTimersByTimeAsync(130_000);
    expect(fate).not.toHaveBeenCalled();
    expect((await storage.load('default', 'ann')).messages).toHaveLength(1);
    p.socket.close();
    await settle();
    expect(fate).toHaveBeenCalledTimes(1);
    expect((await storage.load('default', 'ann')).messages).toHaveLength(0);
  });
});
