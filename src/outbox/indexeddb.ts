/**
 * The durable outbox's storage in IndexedDB (issue 22). One database (`sockguard-outbox` by
 * default) with two stores: `heads`, one record per (key, user) with the session's resume state
 * and the running count and bytes of its kept sends (so a bound is checked without a scan), and
 * `messages`, one record per kept send keyed (key, user, seq), so a range of one user's sends is
 * read or deleted in seq order without touching another's.
 *
 * Every operation is one transaction, written with request callbacks (a transaction commits when
 * no request is pending at the end of a task, so nothing else may be awaited inside one). A page
 * that dies mid-write leaves the store as before the operation or after it.
 *
 * What the browser does under us: a database deleted by the user ("clear site data") or by
 * another tab closes this connection (`close` or `versionchange`): the next operation opens a new,
 * empty one, and `onLost('cleared')` says what was kept is gone. A newer sockguard that upgrades
 * the database in another tab closes it here too (`onLost('version')`); a database of a newer
 * version than this one knows fails to open with `version`. Versions older than {@link VERSION}
 * are migrated in `upgrade` (there is none before 1: it creates the stores).
 */
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import {
  type KeptMessage,
  type KeptSession,
  type Loaded,
  OUTBOX_BOUNDS,
  type OutboxBounds,
  OutboxError,
  type OutboxErrorCode,
  type OutboxStorage,
} from './storage.js';

/** The database's schema version this sockguard writes. */
export const VERSION = 1;

const HEADS = 'heads';
const MESSAGES = 'messages';

/** Options of {@link indexedDbStorage}. */
export interface IndexedDbOptions extends OutboxBounds {
  /** @default 'sockguard-outbox' */
  readonly name?: string;
  /** @default globalThis.indexedDB, read at the first operation */
  readonly indexedDB?: IDBFactory;
  /** @default globalThis.IDBKeyRange, read at the first operation */
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Opening waits this long at most (another tab's old connection can block it). @default 5000 */
  readonly openTimeoutMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Told when the database went away under the outbox: what was kept is gone (or upgraded). */
  readonly onLost?: (code: Extract<OutboxErrorCode, 'cleared' | 'version'>) => void;
}

/** One (key, user)'s head record. */
interface Head {
  readonly key: string;
  readonly user: string;
  readonly session: KeptSession | null;
  /** The highest seq acknowledged (absent in a head written before it was kept: 0). */
  readonly acked?: number;
  readonly count: number;
  readonly bytes: number;
}

/** A transaction under way: its stores, and how to end it with a result or a failure. */
interface Tx<T> {
  readonly heads: IDBObjectStore;
  readonly messages: IDBObjectStore;
  /** What the operation returns once the transaction commits. */
  result: T;
  /** Aborts the transaction; the operation rejects with `error`. */
  fail(error: OutboxError): void;
  /** Runs `then` with the request's result (a throw in it aborts, mapped). */
  on<R>(request: IDBRequest<R>, then: (value: R) => void): void;
}

const NAMES: Readonly<Record<string, OutboxErrorCode>> = {
  QuotaExceededError: 'quota',
  VersionError: 'version',
  DataCloneError: 'uncloneable',
  ConstraintError: 'duplicate',
};

/** What IndexedDB threw, as an outbox error (`lost`: the database went away under us). */
function mapped(error: unknown, lost = false): OutboxError {
  if (error instanceof OutboxError) return error;
  const name = typeof error === 'object' && error !== null ? Reflect.get(error, 'name') : '';
  const code = NAMES[String(name)] ?? (lost ? 'cleared' : 'failed');
  const text =
    error instanceof Error || typeof name === 'string'
      ? `${name}: ${Reflect.get(Object(error), 'message')}`
      : String(error);
  return new OutboxError(code, `IndexedDB: ${text}`, { cause: error });
}

/** Creates the IndexedDB storage of a durable outbox. Nothing is opened until the first call. */
export function indexedDbStorage(options: IndexedDbOptions = {}): OutboxStorage {
  const {
    name = 'sockguard-outbox',
    openTimeoutMs = 5000,
    clock = systemClock,
    maxCount = OUTBOX_BOUNDS.maxCount,
    maxBytes = OUTBOX_BOUNDS.maxBytes,
  } = options;
  let opened: Promise<IDBDatabase> | undefined;
  let closed = false;
  /** The database of `opened` went away: the next call opens a new one. */
  let lost = false;

  const lose = (db: IDBDatabase, code: 'cleared' | 'version') => {
    db.close();
    opened = undefined;
    lost = true;
    try {
      options.onLost?.(code);
    } catch {
      // The app's listener: its throw must not break the storage.
    }
  };

  function connect(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const factory: IDBFactory | undefined =
        options.indexedDB ?? Reflect.get(globalThis, 'indexedDB');
      if (!factory) return reject(new OutboxError('unavailable', 'no IndexedDB here'));
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(name, VERSION);
      } catch (error) {
        return reject(mapped(error));
      }
      let settled = false;
      const timer: TimerHandle = clock.setTimeout(() => {
        settled = true;
        reject(new OutboxError('unavailable', `IndexedDB did not open in ${openTimeoutMs} ms`));
      }, openTimeoutMs);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        const db = request.result;
        if (settled) return db.close();
        settled = true;
        clock.clearTimeout(timer);
        db.onversionchange = (event) => lose(db, event.newVersion === null ? 'cleared' : 'version');
        db.onclose = () => lose(db, 'cleared');
        lost = false;
        resolve(db);
      };
      request.onerror = () => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        reject(mapped(request.error));
      };
    });
  }

  const open = (): Promise<IDBDatabase> => {
    if (closed)
      return Promise.reject(new OutboxError('unavailable', 'the outbox storage is closed'));
    opened ??= connect().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };

  async function transact<T>(
    mode: IDBTransactionMode,
    initial: T,
    body: (tx: Tx<T>) => void,
  ): Promise<T> {
    const db = await open();
    return new Promise<T>((resolve, reject) => {
      let failure: OutboxError | undefined;
      let transaction: IDBTransaction;
      try {
        transaction = db.transaction([HEADS, MESSAGES], mode);
      } catch (error) {
        return reject(mapped(error, true));
      }
      const tx: Tx<T> = {
        heads: transaction.objectStore(HEADS),
        messages: transaction.objectStore(MESSAGES),
        result: initial,
        fail(error) {
          failure ??= error;
          try {
            transaction.abort();
          } catch {
            // Already finished or aborting: the failure stands.
          }
        },
        on(request, then) {
          request.onsuccess = () => guard(() => then(request.result));
        },
      };
      const guard = (work: () => void) => {
        try {
          work();
        } catch (error) {
          tx.fail(mapped(error));
        }
      };
      transaction.oncomplete = () => resolve(tx.result);
      transaction.onabort = () =>
        reject(failure ?? mapped(transaction.error, lost || transaction.error === null));
      guard(() => body(tx));
    });
  }

  const range = (key: string, user: string, upTo = Number.POSITIVE_INFINITY): IDBKeyRange => {
    const Range: typeof IDBKeyRange = options.IDBKeyRange ?? Reflect.get(globalThis, 'IDBKeyRange');
    return Range.bound([key, user, Number.NEGATIVE_INFINITY], [key, user, upTo]);
  };
  const headOf = (found: Head | undefined, key: string, user: string): Head =>
    found ?? { key, user, session: null, count: 0, bytes: 0 };
  /** Adds `adding` under `head`, or fails the transaction (`full`, `duplicate`): all or none. */
  const keep = (tx: Tx<undefined>, head: Head, adding: readonly KeptMessage[]) => {
    let { count, bytes } = head;
    for (const message of adding) {
      count += 1;
      bytes += message.bytes;
    }
    if (count > maxCount || bytes > maxBytes)
      return tx.fail(
        new OutboxError('full', `the outbox holds ${head.count} sends, ${head.bytes} bytes`),
      );
    for (const message of adding) {
      const added = tx.messages.add({ ...message, key: head.key, user: head.user });
      added.onerror = () => tx.fail(mapped(added.error));
    }
    tx.heads.put({ ...head, count, bytes });
  };
  const strip = ({
    key: _k,
    user: _u,
    ...message
  }: KeptMessage & { key?: string; user?: string }) => message as KeptMessage;

  return {
    load: (key, user) =>
      transact<Loaded>('readonly', { session: null, messages: [], acked: 0 }, (tx) => {
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (head) => {
          tx.result = { ...tx.result, session: head?.session ?? null, acked: head?.acked ?? 0 };
        });
        tx.on(tx.messages.getAll(range(key, user)), (rows: KeptMessage[]) => {
          tx.result = { ...tx.result, messages: rows.map(strip) };
        });
      }),
    saveSession: (key, user, session) =>
      transact('readwrite', undefined, (tx) => {
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (found) => {
          tx.heads.put({ ...headOf(found, key, user), session });
        });
      }),
    add: (key, user, message) =>
      transact('readwrite', undefined, (tx) => {
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (found) =>
          keep(tx, headOf(found, key, user), [message]),
        );
      }),
    rewrite: (key, user, remove, add) =>
      transact('readwrite', undefined, (tx) => {
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (found) => {
          let head = headOf(found, key, user);
          const gone = new Set<number>();
          const taken: number[] = [];
          // Everything is read before anything is written: a refusal aborts a transaction that
          // changed nothing.
          for (const seq of remove)
            tx.on(
              tx.messages.get([key, user, seq]) as IDBRequest<KeptMessage | undefined>,
              (was) => {
                if (!was) return;
                gone.add(seq);
                head = { ...head, count: head.count - 1, bytes: head.bytes - was.bytes };
              },
            );
          for (const { seq } of add)
            tx.on(tx.messages.count([key, user, seq]), (n) => {
              if (n > 0) taken.push(seq);
            });
          // Requests of a transaction complete in order: this one runs after every read above.
          tx.on(tx.heads.count(), () => {
            const clash = taken.find((seq) => !gone.has(seq));
            if (clash !== undefined)
              return tx.fail(new OutboxError('duplicate', `seq ${clash} is kept already`));
            for (const seq of gone) tx.messages.delete([key, user, seq]);
            keep(tx, head, add);
          });
        });
      }),
    ack: (key, user, seq) =>
      transact('readwrite', 0, (tx) => {
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (was) => {
          const found = headOf(was, key, user);
          let { count, bytes } = found;
          const acked = Math.max(found.acked ?? 0, seq);
          tx.on(tx.messages.openCursor(range(key, user, seq)), (cursor) => {
            if (!cursor) return void tx.heads.put({ ...found, acked, count, bytes });
            count -= 1;
            bytes -= (cursor.value as KeptMessage).bytes;
            tx.result += 1;
            cursor.delete();
            cursor.continue();
          });
        });
      }),
    discard: (key, user, id) =>
      transact('readwrite', false, (tx) => {
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (found) => {
          if (!found) return;
          tx.on(tx.messages.openCursor(range(key, user)), (cursor) => {
            if (!cursor) return;
            const kept = cursor.value as KeptMessage;
            if (kept.id !== id) return void cursor.continue();
            cursor.delete();
            tx.result = true;
            tx.heads.put({ ...found, count: found.count - 1, bytes: found.bytes - kept.bytes });
          });
        });
      }),
    clear: (key, user) =>
      transact('readwrite', undefined, (tx) => {
        tx.heads.delete([key, user]);
        tx.messages.delete(range(key, user));
      }),
    close() {
      closed = true;
      const was = opened;
      opened = undefined;
      void was?.then(
        (db) => db.close(),
        () => {},
      );
    },
  };
}

/** Creates the stores, or migrates those of an older version (none before 1). */
function upgrade(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore(HEADS, { keyPath: ['key', 'user'] });
    db.createObjectStore(MESSAGES, { keyPath: ['key', 'user', 'seq'] });
  }
}
