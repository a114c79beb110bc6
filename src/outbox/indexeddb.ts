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

/** One (key, user)'s head record, read at the start of every operation and written back changed. */
interface Head {
  readonly key: string;
  readonly user: string;
  session: KeptSession | null;
  /** The highest seq acknowledged (absent in a head written before it was kept: 0). */
  acked?: number;
  /** The ids of the last sends acknowledged (storage.ts `ackedIds`). */
  ackedIds?: readonly string[];
  count: number;
  bytes: number;
}

/** Which kept sends an operation reads: up to a seq, all of them (`[]`), or none (`false`). */
type Rows = number | readonly never[] | false;
const ALL: readonly never[] = [];

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

  /** The database, opened once (again after it went away); rejects mapped. */
  const open = () =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const factory: IDBFactory | undefined =
        options.indexedDB ?? Reflect.get(globalThis, 'indexedDB');
      if (!factory) return reject(oops('unavailable'));
      const request = factory.open(name, VERSION);
      const timer: TimerHandle = clock.setTimeout(() => {
        // A connection that comes after is closed at once (it would block another tab's upgrade).
        request.onsuccess = () => request.result.close();
        reject(oops('unavailable', undefined, openTimeoutMs));
      }, openTimeoutMs);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        clock.clearTimeout(timer);
        const db = request.result;
        db.onversionchange = (event) => lose(db, event.newVersion === null ? 'cleared' : 'version');
        db.onclose = () => lose(db, 'cleared');
        lost = false;
        resolve(db);
      };
      request.onerror = () => {
        clock.clearTimeout(timer);
        reject(request.error);
      };
    }).catch((error: unknown) => {
      opened = undefined;
      throw mapped(error);
    }));

  /**
   * One operation, one transaction: reads the head of `key` and `user` (a new one when there is
   * none) and the kept sends `rows` asks for, in seq order, then runs `body`, whose return is the
   * operation's result once the transaction commits. A throw in `body` aborts it (what it wrote is
   * undone), and so does a request IndexedDB refuses (its default: a seq kept already).
   */
  const run = <T>(
    key: string,
    user: string,
    rows: Rows,
    body: (head: Head, found: KeptMessage[], heads: IDBObjectStore, messages: IDBObjectStore) => T,
  ): Promise<T> =>
    open().then(
      (db) =>
        new Promise<T>((resolve, reject) => {
          let result: T;
          let failure: OutboxError | undefined;
          let tx: IDBTransaction;
          try {
            // Read-write even for a load: it runs once per socket start, and one mode is less code.
            tx = db.transaction([HEADS, MESSAGES], 'readwrite');
          } catch (error) {
            // The connection went away under us (closed by the browser or another tab).
            return reject(mapped(error, true));
          }
          const heads = tx.objectStore(HEADS);
          const messages = tx.objectStore(MESSAGES);
          tx.oncomplete = () => resolve(result);
          tx.onabort = () => reject(failure ?? mapped(tx.error, lost || tx.error === null));
          heads.get([key, user]).onsuccess = (event) => {
            const head: Head = (event.target as IDBRequest<Head | undefined>).result ?? {
              key,
              user,
              session: null,
              count: 0,
              bytes: 0,
            };
            const go = (found: KeptMessage[]) => {
              try {
                result = body(head, found, heads, messages);
              } catch (error) {
                failure = mapped(error);
                tx.abort();
              }
            };
            if (rows === false) go([]);
            else
              messages.getAll(range(key, user, rows)).onsuccess = (read) =>
                go((read.target as IDBRequest<KeptMessage[]>).result);
          };
        }),
    );

  /**
   * The kept sends of `key` and `user` up to `upTo`: from `[key, user]` (below every
   * `[key, user, seq]`) to `[key, user, upTo]` (`[]`: an array is above every number in
   * IndexedDB's key order).
   */
  const range = (key: string, user: string, upTo: number | readonly never[]): IDBKeyRange =>
    (options.IDBKeyRange ?? (Reflect.get(globalThis, 'IDBKeyRange') as typeof IDBKeyRange)).bound(
      [key, user],
      [key, user, upTo],
    );
  /** Adds `adding` under `head`, or throws `full` (the figures: what was kept before). */
  const keep = (head: Head, adding: readonly KeptMessage[], messages: IDBObjectStore) => {
    let { count, bytes } = head;
    for (const message of adding) {
      count += 1;
      bytes += message.bytes;
    }
    if (count > maxCount || bytes > maxBytes) throw oops('full', undefined, head.count, head.bytes);
    for (const message of adding) messages.add({ ...message, key: head.key, user: head.user });
    head.count = count;
    head.bytes = bytes;
  };
  /** Deletes `gone` (kept sends of `head`) and counts them off `head`. */
  const forget = (head: Head, gone: readonly KeptMessage[], messages: IDBObjectStore) => {
    for (const message of gone) {
      messages.delete([head.key, head.user, message.seq]);
      head.count -= 1;
      head.bytes -= message.bytes;
    }
  };
  const strip = ({
    key: _k,
    user: _u,
    ...message
  }: KeptMessage & { key?: string; user?: string }) => message as KeptMessage;

  return {
    load: (key, user) =>
      run(
        key,
        user,
        ALL,
        (head, found): Loaded => ({
          session: head.session,
          messages: found.map(strip),
          acked: head.acked ?? 0,
          ackedIds: head.ackedIds,
        }),
      ),
    saveSession: (key, user, session) =>
      run(key, user, false, (head, _, heads) => {
        head.session = session;
        heads.put(head);
      }),
    add: (key, user, message) =>
      run(key, user, false, (head, _, heads, messages) => {
        keep(head, [message], messages);
        heads.put(head);
      }),
    rewrite: (key, user, remove, add) =>
      run(key, user, ALL, (head, found, heads, messages) => {
        forget(
          head,
          found.filter(({ seq }) => remove.includes(seq)),
          messages,
        );
        keep(head, add, messages);
        heads.put(head);
      }),
    ack: (key, user, seq) =>
      run(key, user, seq, (head, gone, heads, messages) => {
        forget(head, gone, messages);
        head.acked = Math.max(head.acked ?? 0, seq);
        head.ackedIds = [...(head.ackedIds ?? []), ...gone.map(({ id }) => id)].slice(-ACKED_IDS);
        heads.put(head);
        return gone.length;
      }),
    discard: (key, user, id) =>
      run(key, user, ALL, (head, found, heads, messages) => {
        const kept = found.filter((message) => message.id === id);
        forget(head, kept, messages);
        if (kept.length) heads.put(head);
        return kept.length > 0;
      }),
    clear: (key, user) =>
      run(key, user, false, (_, _found, heads, messages) => {
        heads.delete([key, user]);
        messages.delete(range(key, user, ALL));
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
