// @vitest-environment node
/**
 * The contract of an outbox storage (storage.ts), run against both: IndexedDB (over
 * fake-indexeddb, a fresh factory per test) and memory. What each proves is named; IndexedDB's
 * own failures (quota, a cleared or newer database, a blocked open) follow.
 */
import { IDBDatabase, IDBFactory, IDBKeyRange, IDBObjectStore } from 'fake-indexeddb';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { indexedDbStorage } from './indexeddb.js';
import { memoryStorage } from './memory.js';
import {
  ACKED_IDS,
  type KeptMessage,
  type OutboxBounds,
  OutboxError,
  type OutboxStorage,
  sizeOf,
} from './storage.js';

const idb = (bounds: OutboxBounds = {}, factory = new IDBFactory()) =>
  indexedDbStorage({ ...bounds, indexedDB: factory, IDBKeyRange });

const KINDS: ReadonlyArray<readonly [string, (bounds?: OutboxBounds) => OutboxStorage]> = [
  ['IndexedDB', idb],
  ['memory', memoryStorage],
];

const message = (seq: number, data: unknown = { n: seq }): KeptMessage => {
  const text = JSON.stringify({ type: 'chat', data, meta: { seq } });
  return { seq, id: `m${seq}`, text, bytes: sizeOf(text), at: 1000 + seq };
};

/** What a storage would be handed by a bug: not a string, and not cloneable. */
const uncloneable = (() => 1) as unknown as string;

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof OutboxError ? error.code : String(error)),
  );

describe.each(KINDS)('outbox storage: %s', (_name, make) => {
  it('keeps sends and the session per key and user, and gives them back in seq order', async () => {
    const s = make();
    await s.add('k', 'ann', message(2));
    await s.add('k', 'ann', message(1));
    await s.saveSession('k', 'ann', { session: 's1', secret: 'x', lastSeq: 2, highest: 7 });
    const loaded = await s.load('k', 'ann');
    expect(loaded.session).toEqual({ session: 's1', secret: 'x', lastSeq: 2, highest: 7 });
    expect(loaded.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(loaded.messages[0]).toEqual(message(1));
  });

  it("never gives one user's kept sends or session to another, nor another key's", async () => {
    const s = make();
    await s.add('k', 'ann', message(1));
    await s.saveSession('k', 'ann', { session: 's1', secret: 'x', lastSeq: 1, highest: 0 });
    await s.add('other', 'bob', message(1));
    expect(await s.load('k', 'bob')).toEqual({ session: null, messages: [], acked: 0 });
    expect((await s.load('other', 'bob')).messages).toHaveLength(1);
    await s.clear('k', 'bob');
    expect((await s.load('k', 'ann')).messages).toHaveLength(1);
  });

  it('ack forgets every kept send up to the seq, only of that key and user', async () => {
    const s = make();
    for (const seq of [1, 2, 3, 4]) await s.add('k', 'ann', message(seq));
    await s.add('k', 'bob', message(1));
    expect(await s.ack('k', 'ann', 3)).toBe(3);
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([4]);
    expect((await s.load('k', 'bob')).messages).toHaveLength(1);
    expect(await s.ack('k', 'ann', 3)).toBe(0);
  });

  it("ack remembers the ids of the sends it forgot, the last ACKED_IDS, per key and user (how a tab's send handed again to a new SharedWorker is known as processed); clear forgets them", async () => {
    const s = make({ maxCount: ACKED_IDS + 10 });
    expect((await s.load('k', 'ann')).ackedIds).toBeUndefined();
    for (const seq of [1, 2, 3]) await s.add('k', 'ann', message(seq));
    await s.add('k', 'bob', message(1));
    await s.ack('k', 'ann', 2);
    expect((await s.load('k', 'ann')).ackedIds).toEqual(['m1', 'm2']);
    expect((await s.load('k', 'bob')).ackedIds ?? []).toEqual([]);
    for (let seq = 4; seq <= ACKED_IDS + 5; seq += 1) await s.add('k', 'ann', message(seq));
    await s.ack('k', 'ann', ACKED_IDS + 5);
    const ids = (await s.load('k', 'ann')).ackedIds ?? [];
    expect(ids).toHaveLength(ACKED_IDS);
    expect(ids.at(-1)).toBe(`m${ACKED_IDS + 5}`);
    expect(ids[0]).toBe('m6');
    await s.clear('k', 'ann');
    expect((await s.load('k', 'ann')).ackedIds).toBeUndefined();
  });

  it('discard forgets one by id; clear forgets the session and every send (a logout)', async () => {
    const s = make();
    for (const seq of [1, 2, 3]) await s.add('k', 'ann', message(seq));
    await s.saveSession('k', 'ann', { session: 's1', secret: 'x', lastSeq: 3, highest: 0 });
    expect(await s.discard('k', 'ann', 'm2')).toBe(true);
    expect(await s.discard('k', 'ann', 'm2')).toBe(false);
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([1, 3]);
    await s.clear('k', 'ann');
    expect(await s.load('k', 'ann')).toEqual({ session: null, messages: [], acked: 0 });
  });

  it('ack remembers the highest seq acknowledged, never lowered, even with nothing kept (what numbering must stay above)', async () => {
    const s = make();
    expect(await s.ack('k', 'ann', 7)).toBe(0);
    await s.ack('k', 'ann', 3);
    expect((await s.load('k', 'ann')).acked).toBe(7);
    expect((await s.load('k', 'bob')).acked).toBe(0);
  });

  it('rewrite moves sends to new numbers in one transaction: all or nothing (full, duplicate)', async () => {
    const s = make({ maxCount: 3 });
    for (const seq of [1, 2, 3]) await s.add('k', 'ann', message(seq));
    await s.rewrite('k', 'ann', [2, 3], [message(8), message(9)]);
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([1, 8, 9]);
    // One more than the bound after the removals: nothing of it happens.
    expect(await codeOf(s.rewrite('k', 'ann', [8], [message(10), message(11)]))).toBe('full');
    // A seq kept already (and not removed): nothing of it happens.
    expect(await codeOf(s.rewrite('k', 'ann', [9], [message(1)]))).toBe('duplicate');
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([1, 8, 9]);
    await s.rewrite('k', 'ann', [1], [message(12)]);
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([8, 9, 12]);
  });

  it('refuses one more past maxCount or maxBytes (full), keeping nothing of it; room comes back after an ack', async () => {
    const s = make({ maxCount: 2, maxBytes: 10_000 });
    await s.add('k', 'ann', message(1));
    await s.add('k', 'ann', message(2));
    expect(await codeOf(s.add('k', 'ann', message(3)))).toBe('full');
    expect((await s.load('k', 'ann')).messages).toHaveLength(2);
    await s.ack('k', 'ann', 1);
    await s.add('k', 'ann', message(3));
    const small = message(1, 'x'.repeat(10)).bytes;
    const big = make({ maxCount: 10, maxBytes: small + message(2, 'x'.repeat(20)).bytes - 1 });
    await big.add('k', 'ann', message(1, 'x'.repeat(10)));
    expect(await codeOf(big.add('k', 'ann', message(2, 'x'.repeat(20))))).toBe('full');
    // The bytes of a discarded send are free again.
    await big.discard('k', 'ann', 'm1');
    await big.add('k', 'ann', message(2, 'x'.repeat(20)));
  });

  it('a seq kept already is refused (duplicate); data that cannot be cloned is refused (uncloneable); neither keeps anything', async () => {
    const s = make();
    await s.add('k', 'ann', message(1));
    expect(await codeOf(s.add('k', 'ann', message(1, 'other')))).toBe('duplicate');
    expect(await codeOf(s.add('k', 'ann', { ...message(2), text: uncloneable }))).toBe(
      'uncloneable',
    );
    expect((await s.load('k', 'ann')).messages).toEqual([message(1)]);
    // The counts were not moved by the refused ones: two more fit under maxCount 3.
    const t = make({ maxCount: 3 });
    await t.add('k', 'ann', message(1));
    await codeOf(t.add('k', 'ann', message(1)));
    await codeOf(t.add('k', 'ann', { ...message(2), text: uncloneable }));
    await t.add('k', 'ann', message(2));
    await t.add('k', 'ann', message(3));
  });

  it('close() loses nothing: a call made before it completes, and a call after it opens the storage again and finds what was kept', async () => {
    const s = make();
    await s.add('k', 'ann', message(1));
    const before = s.add('k', 'ann', message(2));
    s.close();
    await before;
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([1, 2]);
    s.close();
    s.close();
    await s.add('k', 'ann', message(3));
    expect((await s.load('k', 'ann')).messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('property: after any sequence of adds, acks, discards and clears, what loads is exactly what a model keeps, in order', async () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('add' as const),
        user: fc.constantFrom('ann', 'bob'),
        seq: fc.integer({ min: 1, max: 12 }),
      }),
      fc.record({
        t: fc.constant('ack' as const),
        user: fc.constantFrom('ann', 'bob'),
        seq: fc.integer({ min: 0, max: 12 }),
      }),
      fc.record({
        t: fc.constant('discard' as const),
        user: fc.constantFrom('ann', 'bob'),
        seq: fc.integer({ min: 1, max: 12 }),
      }),
      fc.record({
        t: fc.constant('clear' as const),
        user: fc.constantFrom('ann', 'bob'),
        seq: fc.constant(0),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const s = make({ maxCount: 5 });
        const model = new Map<string, Set<number>>([
          ['ann', new Set()],
          ['bob', new Set()],
        ]);
        for (const { t, user, seq } of ops) {
          const kept = model.get(user) as Set<number>;
          if (t === 'add') {
            const code = await codeOf(s.add('k', user, message(seq)));
            const expected = kept.has(seq) ? 'duplicate' : kept.size >= 5 ? 'full' : 'resolved';
            expect(code).toBe(expected);
            if (expected === 'resolved') kept.add(seq);
          } else if (t === 'ack') {
            const gone = [...kept].filter((k) => k <= seq);
            expect(await s.ack('k', user, seq)).toBe(gone.length);
            for (const k of gone) kept.delete(k);
          } else if (t === 'discard') {
            expect(await s.discard('k', user, `m${seq}`)).toBe(kept.delete(seq));
          } else {
            await s.clear('k', user);
            kept.clear();
          }
        }
        for (const [user, kept] of model) {
          const seqs = (await s.load('k', user)).messages.map((m) => m.seq);
          expect(seqs).toEqual([...kept].sort((a, b) => a - b));
        }
        s.close();
      }),
      { numRuns: 60 },
    );
  });
});

/** Deletes the outbox's database: true when no open connection blocked it. */
async function deleted(factory: IDBFactory): Promise<boolean> {
  let blocked = false;
  await new Promise<void>((resolve, reject) => {
    const request = factory.deleteDatabase('sockguard-outbox');
    request.onblocked = () => {
      blocked = true;
    };
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
  return !blocked;
}

describe('IndexedDB: what the browser does under the outbox', () => {
  it('no IndexedDB (some private modes, a server render): every call rejects unavailable', async () => {
    const s = indexedDbStorage({ IDBKeyRange });
    const was = Reflect.get(globalThis, 'indexedDB');
    Reflect.set(globalThis, 'indexedDB', undefined);
    try {
      expect(await codeOf(s.add('k', 'ann', message(1)))).toBe('unavailable');
    } finally {
      Reflect.set(globalThis, 'indexedDB', was);
    }
  });

  it('kept across storages: a second storage on the same database (the next page load) loads what the first kept', async () => {
    const factory = new IDBFactory();
    const first = idb({}, factory);
    await first.add('k', 'ann', message(1));
    await first.saveSession('k', 'ann', { session: 's1', secret: 'x', lastSeq: 1, highest: 3 });
    first.close();
    const next = idb({}, factory);
    await next.ack('k', 'ann', 0);
    expect(await next.load('k', 'ann')).toEqual({
      session: { session: 's1', secret: 'x', lastSeq: 1, highest: 3 },
      messages: [message(1)],
      acked: 0,
      // An ack that forgot nothing: none acknowledged (absent or empty are the same).
      ackedIds: [],
    });
  });

  it('the database deleted under it (clear site data): onLost says cleared, and the next call works on an empty one', async () => {
    const factory = new IDBFactory();
    const onLost = vi.fn();
    const s = indexedDbStorage({ indexedDB: factory, IDBKeyRange, onLost });
    await s.add('k', 'ann', message(1));
    await new Promise<void>((resolve, reject) => {
      const request = factory.deleteDatabase('sockguard-outbox');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    expect(onLost).toHaveBeenCalledWith('cleared');
    expect(await s.load('k', 'ann')).toEqual({ session: null, messages: [], acked: 0 });
    await s.add('k', 'ann', message(2));
  });

  it('a connection the browser closed before telling (no transaction can start on it): cleared, not failed', async () => {
    const s = idb();
    await s.add('k', 'ann', message(1));
    // The browser closed it (clear site data, a crash of its storage): its close event comes later.
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementationOnce(() => {
      throw new DOMException('The connection is closed.', 'InvalidStateError');
    });
    expect(await codeOf(s.add('k', 'ann', message(2)))).toBe('cleared');
    vi.restoreAllMocks();
  });

  it('close() releases the connection: a deleteDatabase (clear site data, another tab) goes through with no blocked and no loss told; a later call opens an empty one', async () => {
    const factory = new IDBFactory();
    const onLost = vi.fn();
    const s = indexedDbStorage({ indexedDB: factory, IDBKeyRange, onLost });
    await s.add('k', 'ann', message(1));
    s.close();
    expect(await deleted(factory)).toBe(true);
    // Still open, the connection would have been asked to close (versionchange), and told it.
    expect(onLost).not.toHaveBeenCalled();
    expect(await s.load('k', 'ann')).toEqual({ session: null, messages: [], acked: 0 });
    expect(onLost).not.toHaveBeenCalled();
  });

  it('close() while the database is still opening: the connection is closed once it opens', async () => {
    const factory = new IDBFactory();
    const onLost = vi.fn();
    const s = indexedDbStorage({ indexedDB: factory, IDBKeyRange, onLost });
    const loading = s.load('k', 'ann');
    s.close();
    expect(await loading).toEqual({ session: null, messages: [], acked: 0 });
    expect(await deleted(factory)).toBe(true);
    expect(onLost).not.toHaveBeenCalled();
  });

  it('a database of a newer version than this sockguard knows: version', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve) => {
      const request = factory.open('sockguard-outbox', 5);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
    });
    expect(await codeOf(idb({}, factory).load('k', 'ann'))).toBe('version');
  });

  it('an open that never completes (blocked by another tab) is bounded by openTimeoutMs: unavailable', async () => {
    const silent = { open: () => ({}) as IDBOpenDBRequest } as unknown as IDBFactory;
    vi.useFakeTimers();
    try {
      const s = indexedDbStorage({ indexedDB: silent, IDBKeyRange, openTimeoutMs: 3000 });
      const code = codeOf(s.load('k', 'ann'));
      await vi.advanceTimersByTimeAsync(2999);
      let settled = false;
      void code.then(() => {
        settled = true;
      });
      await Promise.resolve();
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await code).toBe('unavailable');
    } finally {
      vi.useRealTimers();
    }
  });

  it('quota exceeded: the add rejects quota and nothing of it is kept', async () => {
    const factory = new IDBFactory();
    const s = idb({}, factory);
    await s.add('k', 'ann', message(1));
    // fake-indexeddb has no quota: the store's add throws as a browser's over quota does.
    const quota = Object.assign(new Error('The quota has been exceeded.'), {
      name: 'QuotaExceededError',
    });
    const spy = vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
      throw quota;
    });
    try {
      expect(await codeOf(s.add('k', 'ann', message(2)))).toBe('quota');
    } finally {
      spy.mockRestore();
    }
    expect((await s.load('k', 'ann')).messages).toEqual([message(1)]);
  });
});
