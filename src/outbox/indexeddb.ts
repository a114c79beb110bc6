/**
 * The durable outbox's storage in IndexedDB (issue 22). One database (`sockguard-outbox` by
 * default) with two stores: `heads`, one record per (key, user) with the session's resume state
 * and the running count and bytes of its kept sends (so a bound is checked without a scan), and
 * `messages`, one record per kept send keyed (key, user, seq), so a range of one user's sends is
 * read or deleted in seq order without touching another's.
 *
 * Every operation is one transaction, written with request callbacks (a transaction commits when
 * no request is pending at the end of a task, so nothing else may be awaited inside one). A page
 * that dies mid-write leaves the store as before the operation or after it, and a refusal (`full`,
 * `duplicate`) aborts the transaction, undoing what it wrote before. `close()` closes the
 * connection (a transaction under way still commits); the next operation opens a new one.
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
  ACKED_IDS,
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
  /** The ids of the last sends acknowledged (storage.ts `ackedIds`). */
  readonly ackedIds?: readonly string[];
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

declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/**
 * An outbox error. Its message is prose in development builds only (the guard is the inline form
 * of core/dev.ts: bundlers drop {@link prose}); in production it is the code and its figures
 * (`unavailable 5000`), and the outbox's faults name the code either way. `cause`: what IndexedDB
 * threw, kept as it is.
 */
function oops(code: OutboxErrorCode, cause?: unknown, ...figures: number[]): OutboxError {
  let message = [code, ...figures].join(' ');
  try {
    if (process.env.NODE_ENV !== 'production') message = prose(code, cause, figures);
  } catch {
    message = prose(code, cause, figures); // no `process`: development
  }
  return new OutboxError(code, message, { cause });
}

/** The development text of {@link oops}. */
function prose(code: OutboxErrorCode, cause: unknown, [a, b]: readonly number[]): string {
  if (code === 'full') return `the outbox holds ${a} sends, ${b} bytes`;
  if (code === 'unavailable')
    return a === undefined ? 'no IndexedDB here' : `IndexedDB did not open in ${a} ms`;
  const name = typeof cause === 'object' && cause !== null ? Reflect.get(cause, 'name') : '';
  return `IndexedDB: ${
    cause instanceof Error || typeof name === 'string'
      ? `${name}: ${Reflect.get(Object(cause), 'message')}`
      : String(cause)
  }`;
}

/** What IndexedDB threw, as an outbox error (`lost`: the database went away under us). */
function mapped(error: unknown, lost = false): OutboxError {
  return error instanceof OutboxError
    ? error
    : oops(
        NAMES[String((error as { name?: unknown } | null | undefined)?.name)] ??
          (lost ? 'cleared' : 'failed'),
        error,
      );
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

  /** Opens the database; rejects with what IndexedDB threw, unmapped (the caller maps it). */
  function connect(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const factory: IDBFactory | undefined =
        options.indexedDB ?? Reflect.get(globalThis, 'indexedDB');
      if (!factory) return reject(oops('unavailable'));
      const request = factory.open(name, VERSION);
      /** The open took too long: a connection that comes after is closed at once. */
      let late = false;
      const timer: TimerHandle = clock.setTimeout(() => {
        late = true;
        reject(oops('unavailable', undefined, openTimeoutMs));
      }, openTimeoutMs);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        const db = request.result;
        if (late) return db.close();
        clock.clearTimeout(timer);
        db.onversionchange = (event) => lose(db, event.newVersion === null ? 'cleared' : 'version');
        db.onclose = () => lose(db, 'cleared');
        lost = false;
        resolve(db);
      };
      // After the timeout this rejects nothing (the promise is settled): only the timer goes.
      request.onerror = () => {
        clock.clearTimeout(timer);
        reject(request.error);
      };
    });
  }

  /**
   * Runs `body` in one transaction once the head of `key` and `user` is read (a new head when
   * there is none): every operation reads it first.
   */
  async function transact<T>(
    key: string,
    user: string,
    body: (tx: Tx<T>, head: Head) => void,
  ): Promise<T> {
    opened ??= connect().catch((error: unknown) => {
      opened = undefined;
      throw mapped(error);
    });
    const db = await opened;
    return new Promise<T>((resolve, reject) => {
      let failure: OutboxError | undefined;
      let transaction: IDBTransaction;
      try {
        // Read-write even for a load: it runs once per socket start, and one mode is less code.
        transaction = db.transaction([HEADS, MESSAGES], 'readwrite');
      } catch (error) {
        return reject(mapped(error, true));
      }
      const tx: Tx<T> = {
        heads: transaction.objectStore(HEADS),
        messages: transaction.objectStore(MESSAGES),
        // Every operation sets it before the transaction commits.
        result: undefined as T,
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
      guard(() =>
        tx.on(tx.heads.get([key, user]) as IDBRequest<Head | undefined>, (found) =>
          body(tx, found ?? { key, user, session: null, count: 0, bytes: 0 }),
        ),
      );
    });
  }

  /**
   * The kept sends of `head`'s key and user, up to seq `upTo`: from `[key, user]` (below every
   * `[key, user, seq]`) to `[key, user, []]` (an array is above every number in IndexedDB's key order).
   */
  const range = ({ key, user }: Head, upTo?: number): IDBKeyRange => {
    const Range: typeof IDBKeyRange = options.IDBKeyRange ?? Reflect.get(globalThis, 'IDBKeyRange');
    return Range.bound([key, user], [key, user, upTo ?? []]);
  };
  /** Reads the kept sends of `head`'s key and user (up to seq `upTo`), in seq order. */
  const rows = (tx: Tx<unknown>, head: Head, then: (rows: KeptMessage[]) => void, upTo?: number) =>
    tx.on(tx.messages.getAll(range(head, upTo)), then);
  /** Deletes `gone` (kept sends of `head`): the head that counts without them, not written yet. */
  const forget = (tx: Tx<unknown>, head: Head, gone: readonly KeptMessage[]): Head => {
    let { count, bytes } = head;
    for (const message of gone) {
      tx.messages.delete([head.key, head.user, message.seq]);
      count -= 1;
      bytes -= message.bytes;
    }
    return { ...head, count, bytes };
  };
  /**
   * Adds `adding` under `head` and writes it, or fails the transaction (`full`; `duplicate` when
   * the store refuses a seq kept already): all or none, since a failure aborts what the
   * transaction did before.
   */
  const keep = (tx: Tx<unknown>, head: Head, adding: readonly KeptMessage[]) => {
    let { count, bytes } = head;
    for (const message of adding) {
      count += 1;
      bytes += message.bytes;
    }
    if (count > maxCount || bytes > maxBytes)
      return tx.fail(oops('full', undefined, head.count, head.bytes));
    for (const message of adding) {
      const added = tx.messages.add({ ...message, key: head.key, user: head.user });
      added.onerror = (event) => {
        // Aborted once, by `fail`: the error's default would abort it again (fake-indexeddb then
        // replays its undo log a second time and throws).
        event.preventDefault();
        tx.fail(mapped(added.error));
      };
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
      transact<Loaded>(key, user, (tx, head) =>
        rows(tx, head, (found) => {
          tx.result = {
            session: head.session,
            messages: found.map(strip),
            acked: head.acked ?? 0,
            ackedIds: head.ackedIds,
          };
        }),
      ),
    saveSession: (key, user, session) =>
      transact(key, user, (tx, head) => tx.heads.put({ ...head, session })),
    add: (key, user, message) => transact(key, user, (tx, head) => keep(tx, head, [message])),
    rewrite: (key, user, remove, add) =>
      transact(key, user, (tx, head) =>
        rows(tx, head, (found) =>
          keep(
            tx,
            forget(
              tx,
              head,
              found.filter(({ seq }) => remove.includes(seq)),
            ),
            add,
          ),
        ),
      ),
    ack: (key, user, seq) =>
      transact<number>(key, user, (tx, head) =>
        rows(
          tx,
          head,
          (gone) => {
            tx.result = gone.length;
            tx.heads.put({
              ...forget(tx, head, gone),
              acked: Math.max(head.acked ?? 0, seq),
              ackedIds: [...(head.ackedIds ?? []), ...gone.map(({ id }) => id)].slice(-ACKED_IDS),
            });
          },
          seq,
        ),
      ),
    discard: (key, user, id) =>
      transact<boolean>(key, user, (tx, head) =>
        rows(tx, head, (found) => {
          const kept = found.find((message) => message.id === id);
          tx.result = kept !== undefined;
          if (kept) tx.heads.put(forget(tx, head, [kept]));
        }),
      ),
    clear: (key, user) =>
      transact(key, user, (tx, head) => {
        tx.heads.delete([key, user]);
        tx.messages.delete(range(head));
      }),
    close() {
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
