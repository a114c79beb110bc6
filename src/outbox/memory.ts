/**
 * An outbox storage in memory: the contract of storage.ts without IndexedDB, for tests and as the
 * shape to write another storage against. Nothing survives the page; values are cloned in and
 * out, as IndexedDB does, so a caller mutating what it gave or got changes nothing kept.
 */
import {
  ACKED_IDS,
  type KeptMessage,
  type KeptSession,
  type Loaded,
  OUTBOX_BOUNDS,
  type OutboxBounds,
  OutboxError,
  type OutboxStorage,
} from './storage.js';

interface Book {
  session: KeptSession | null;
  acked: number;
  ackedIds: string[];
  readonly messages: Map<number, KeptMessage>;
}

/** Creates an outbox storage in memory with these bounds. */
export function memoryStorage(bounds: OutboxBounds = {}): OutboxStorage {
  const { maxCount = OUTBOX_BOUNDS.maxCount, maxBytes = OUTBOX_BOUNDS.maxBytes } = bounds;
  const books = new Map<string, Book>();
  const book = (key: string, user: string): Book => {
    const id = JSON.stringify([key, user]);
    const found = books.get(id) ?? { session: null, acked: 0, ackedIds: [], messages: new Map() };
    books.set(id, found);
    return found;
  };
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const clone = <T>(value: T): T => {
    try {
      return structuredClone(value);
    } catch (error) {
      throw new OutboxError('uncloneable', 'the message cannot be stored', { cause: error });
    }
  };

  /** Adds `adding` to `messages`, all or none: a seq kept already or a bound passed throws. */
  const keep = (messages: Map<number, KeptMessage>, adding: readonly KeptMessage[]) => {
    let bytes = 0;
    for (const kept of messages.values()) bytes += kept.bytes;
    const copies = adding.map(clone);
    const seqs = new Set(messages.keys());
    for (const message of copies) {
      if (seqs.has(message.seq))
        throw new OutboxError('duplicate', `seq ${message.seq} is kept already`);
      seqs.add(message.seq);
      bytes += message.bytes;
    }
    if (seqs.size > maxCount || bytes > maxBytes)
      throw new OutboxError('full', `the outbox holds ${messages.size} sends`);
    for (const message of copies) messages.set(message.seq, message);
  };

  return {
    load: (key, user) =>
      run((): Loaded => {
        const { session, messages, acked, ackedIds } = book(key, user);
        const sorted = [...messages.values()].sort((a, b) => a.seq - b.seq);
        return clone({
          session,
          messages: sorted,
          acked,
          ...(ackedIds.length > 0 && { ackedIds }),
        });
      }),
    saveSession: (key, user, session) =>
      run(() => {
        book(key, user).session = clone(session);
      }),
    add: (key, user, message) => run(() => keep(book(key, user).messages, [message])),
    rewrite: (key, user, remove, add) =>
      run(() => {
        const { messages } = book(key, user);
        const next = new Map(messages);
        for (const seq of remove) next.delete(seq);
        keep(next, add);
        messages.clear();
        for (const [seq, kept] of next) messages.set(seq, kept);
      }),
    ack: (key, user, seq) =>
      run(() => {
        const found = book(key, user);
        const { messages } = found;
        found.acked = Math.max(found.acked, seq);
        const gone = [...messages.values()].filter((kept) => kept.seq <= seq);
        for (const kept of gone) messages.delete(kept.seq);
        found.ackedIds = [...found.ackedIds, ...gone.map((kept) => kept.id)].slice(-ACKED_IDS);
        return gone.length;
      }),
    discard: (key, user, id) =>
      run(() => {
        const { messages } = book(key, user);
        for (const [seq, kept] of messages) if (kept.id === id) return messages.delete(seq);
        return false;
      }),
    clear: (key, user) => run(() => void books.delete(JSON.stringify([key, user]))),
    // Holds nothing to release: what is kept stays for a later call, as on a disk.
    close() {},
  };
}
