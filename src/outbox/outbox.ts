/**
 * `indexedDbOutbox()`: delivery's books kept on the device (SPEC.md section 9), so that a send
 * survives the page. Delivery calls this store (delivery.ts `DeliveryStore`) beside its own
 * books: every send it keeps is written here, every ack forgets what it covers, the session's
 * resume state is kept before anything is sent in a new session. The next socket of the same key
 * and user reads it all back before its first hello, resumes that session and sends what was kept
 * under the same seqs, so the server drops what it processed already.
 *
 * One socket at a time holds the outbox of a key and user (a Web Lock): two tabs that load at
 * once never both send what was kept; the second one's sends are not durable, and it is told.
 */
import type { TimerHandle } from '../core/clock.js';
import type { Frame, Host } from '../core/extension.js';
import { type MirrorFail, mirror } from '../core/mirror.js';
import type { Delivered, SendResult } from '../core/types.js';
import type { NumberedFrame } from '../delivery/ledger.js';
import type {
  DeliveryBooks,
  DeliveryOutbox,
  DeliveryStore,
  ResumeState,
} from '../delivery/store.js';
import { isSecret, isSeq } from '../protocol/delivery.js';
import type { Fault } from '../protocol/fault.js';
import type { FaultError } from '../protocol/fault-error.js';
import { why } from '../protocol/why.js';
import { type KeptSend, type OutboxChannel, type OutboxSnapshot, showOutbox } from './channel.js';
import { indexedDbStorage } from './indexeddb.js';
import {
  type KeptMessage,
  type Loaded,
  type OutboxBounds,
  OutboxError,
  type OutboxStorage,
  sizeOf,
} from './storage.js';

/** The part of the Web Locks API the outbox uses (`navigator.locks`). */
export interface OutboxLocks {
  request(
    name: string,
    options: { readonly mode: 'exclusive'; readonly signal: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown>;
}

/** Options of {@link indexedDbOutbox}. */
export interface OutboxOptions extends OutboxBounds {
  /**
   * Whose sends these are (your user id). What is kept for one user is never read, sent or shown
   * for another; a new user needs a new socket.
   */
  readonly user: string;
  /** Which of the user's sockets (give each socket with an outbox its own). @default 'default' */
  readonly key?: string;
  /** Where to keep it. @default IndexedDB (`sockguard-outbox`) with these bounds */
  readonly storage?: OutboxStorage;
  /** @default navigator.locks where there is one; null: no lock (one tab only, or tests) */
  readonly locks?: OutboxLocks | null;
  /**
   * Taking the lock and reading what was kept wait this long at most (the first hello waits for
   * them); then the socket goes on and its sends are not durable. @default 3000
   */
  readonly loadTimeoutMs?: number;
  /**
   * Each send waits off the wire until it is kept on the device (or could not be), so that a send
   * the server has is always one the next socket finds. The outbox a SharedWorker makes for its
   * tabs holds them: a tab hands a new worker again what the old one had not said it kept, and
   * the server must not have that one already. Costs each send the device's write. @default false
   */
  readonly holdUntilKept?: boolean;
}

/** A frame's text with `meta.seq` set to its (new) seq. */
const renumber = (frame: NumberedFrame): void => {
  const envelope = JSON.parse(frame.text) as { meta: Record<string, unknown> };
  envelope.meta.seq = frame.seq;
  (frame as { text: string }).text = JSON.stringify(envelope);
};

/** Each receipt's send's id on the device once kept there (null: it could not be). */
const keptIds = new WeakMap<Promise<Delivered>, Promise<string | null>>();

/**
 * Whether a send was kept on the device: true once written (it survives the page from then on),
 * false when it could not be (a `not_durable` fault says why) or the socket has no outbox.
 *
 * ```ts
 * const result = socket.send('chat', { text });
 * if (!(await durable(result))) showUnsavedMark();
 * ```
 */
export const durable = (result: SendResult): Promise<boolean> =>
  (('delivered' in result && result.delivered && keptIds.get(result.delivered)) || nothing).then(
    (id) => id !== null,
  );

const nothing = Promise.resolve(null);

/** The settings of an outbox that cross to a SharedWorker (`shareTabs()`): no storage, no locks. */
export type OutboxWire = Omit<OutboxOptions, 'storage' | 'locks'>;

/** What the app gives up in a tab, told to the worker, whose outbox holds the sends. */
export type OutboxAsk = { readonly t: 'discard'; readonly kept: string } | { readonly t: 'clear' };

/** @internal The outbox's side in a tab of `shareTabs()` (src/worker/tab.ts tells and asks it). */
export interface OutboxTab {
  /** Tells this side of the send `id` (see src/worker/tab-options.ts); returns its tag. */
  send(id: number, delivered: Promise<Delivered> | undefined): { tag: string };
  on(message: { readonly t: string }): void;
  kept(id: number): { t: 'adopt'; id: number; kept: string } | undefined;
}

/**
 * What {@link indexedDbOutbox} returns: pass it as `delivery({ outbox })`, or give the function
 * itself to `serveSharedSocket({ outbox })` in a SharedWorker. The members past `create` are the
 * seams of tab sharing (src/worker), not for apps.
 */
export interface Outbox extends DeliveryOutbox {
  /**
   * @internal Its settings as they cross to a SharedWorker, which makes the outbox there; absent
   * when given a `storage` or `locks` (functions cannot cross).
   */
  readonly wire?: OutboxWire;
  /**
   * @internal Its side in a tab of `shareTabs()`, whose socket shows the worker's outbox: `ask`
   * tells the worker what the app gave up.
   */
  tab(socket: object, ask: (message: OutboxAsk) => void, fail: MirrorFail): OutboxTab;
  /** @internal The worker: the id a send is kept under, or null when it could not be kept. */
  keptId(receipt: Promise<Delivered>): Promise<string | null> | undefined;
  /**
   * @internal The worker: how the send kept under `id` (this socket's or an earlier one's) ends,
   * once what was kept is read; `unconfirmed` when it is not kept (it ended before: acknowledged,
   * or given up).
   */
  follow(id: string): Promise<Delivered | Fault>;
  /**
   * @internal The worker: whether a tab's send of this tag is known, told once what was kept is
   * read, in the order asked: made through this socket (its id on the device once written, null
   * when it could not be kept), or kept by an earlier one (acknowledged since, too). Unknown
   * (`undefined`): the send `then` makes at once is kept under the tag (its id here).
   */
  known(tag: string, then: (kept: Promise<string | null> | undefined) => void): void;
  /**
   * @internal The worker lets its socket go as a page that goes away would: what is kept stays on
   * the device (closing the socket then forgets nothing), the lock and the storage are let go.
   */
  keep(): void;
}

/**
 * A durable outbox for `delivery({ outbox })`: every send delivery keeps is written to IndexedDB
 * before `send()` returns its receipt, and the next page load of the same user resumes the session
 * and sends it, exactly once and in order, as long as the server keeps the session
 * (`sessionRetainMs`).
 *
 * ```ts
 * createSocket({ url, delivery: delivery({ outbox: indexedDbOutbox({ user: me.id }) }) });
 * ```
 *
 * With `shareTabs()` the outbox lives in the SharedWorker, beside the shared socket: its settings
 * cross as data (so a `storage` or `locks` of your own is refused there), and the worker file
 * gives the function: `serveSharedSocket({ outbox: indexedDbOutbox })`.
 */
export function indexedDbOutbox(options: OutboxOptions): Outbox {
  try {
    if (process.env.NODE_ENV !== 'production') check(options);
  } catch {
    check(options); // no `process`: development (a refused option throws again)
  }
  let store: ReturnType<typeof createStore> | undefined;
  const { storage, locks, ...wire } = options;
  return {
    create(host) {
      store = createStore(host, options);
      return store;
    },
    keep: () => store?.stopped(),
    ...(storage === undefined && locks === undefined && { wire }),
    tab: tabSide,
    keptId: (receipt) => keptIds.get(receipt),
    follow: (id) => store?.follow(id) ?? Promise.resolve('unconfirmed'),
    known: (given, then) => (store ? store.known(given, then) : then(undefined)),
  };
}

const STATUSES = ['pending', 'acknowledged', 'unconfirmed', 'failed'];

/** A snapshot as the worker sends it, checked (the worker is another party): true when sound. */
const sound = (s: Partial<OutboxSnapshot> | undefined): boolean =>
  ['off', 'loading', 'durable', 'not_durable'].includes(s?.status as string) &&
  Array.isArray(s?.kept) &&
  s.kept.every(
    (k) =>
      typeof k?.id === 'string' &&
      typeof k.type === 'string' &&
      typeof k.at === 'number' &&
      STATUSES.includes(k.status) &&
      (k.fault === undefined || typeof k.fault?.code === 'string'),
  );

/**
 * The outbox's side in a tab of `shareTabs()`: the outbox lives in the worker, which says which
 * of this tab's sends it kept on the device (`durable`, with the id) and what it holds
 * (`outbox`); the tab's socket shows it as its own (`outboxOf`), and what the app gives up goes
 * to the worker. A send kept on the device is handed to a new worker by its id (`again`).
 */
function tabSide(socket: object, ask: (message: OutboxAsk) => void, fail: MirrorFail): OutboxTab {
  const view = mirror<OutboxSnapshot>({ status: 'loading', kept: [] }, sound, 'outbox', fail);
  /** This tab's sends in flight: what settles each one's `durable()`, and its id once kept. */
  const sends = new Map<number, { readonly tell: (id: string | null) => void; kept?: string }>();
  /**
   * Each send's tag (its id on the worker's device) is this random mark and its number: unique
   * across tabs and page loads (52 random bits; not a secret, the tabs of a key are one user), so a
   * new worker knows one the old one kept though the old one's word of it never came.
   */
  const mark = `${Math.random().toString(36).slice(2)}.`;
  showOutbox(socket, {
    getSnapshot: view.get,
    subscribe: view.subscribe,
    discard(id) {
      ask({ t: 'discard', kept: id });
      // The worker decides; pending here means it was not settled when last told.
      return view.get().kept.some((k) => k.id === id && k.status === 'pending');
    },
    clear: () => ask({ t: 'clear' }),
  });
  return {
    send(id, delivered) {
      if (delivered) {
        keptIds.set(delivered, new Promise((tell) => sends.set(id, { tell })));
        // The worker tells `durable` before the receipt: one not told by then was not kept.
        const ended = () => {
          sends.get(id)?.tell(null);
          sends.delete(id);
        };
        delivered.then(ended, ended);
      }
      return { tag: mark + id };
    },
    on(m) {
      // One kind of message: a send kept (or not) on the device (`id`, `kept`), or the snapshot.
      if (m.t !== 'outbox') return;
      const { id, kept, snapshot } = m as { id?: unknown; kept?: unknown; snapshot?: unknown };
      if (snapshot !== undefined) return view.take(snapshot);
      if (typeof id !== 'number' || (kept !== null && typeof kept !== 'string'))
        return fail('invalid_envelope', why('worker_malformed', 'outbox.kept'));
      const entry = sends.get(id);
      if (entry && kept) entry.kept = kept;
      entry?.tell(kept);
    },
    kept(id) {
      const kept = sends.get(id)?.kept;
      return kept ? { t: 'adopt', id, kept } : undefined;
    },
  };
}

declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

function check(options: OutboxOptions): void {
  const bad = (name: string, what: string) => {
    throw new TypeError(`sockguard: indexedDbOutbox ${name} must be ${what}`);
  };
  if (typeof options?.user !== 'string' || options.user === '') bad('user', 'a non-empty string');
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key === ''))
    bad('key', 'a non-empty string');
  for (const name of ['maxCount', 'maxBytes', 'loadTimeoutMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
      bad(name, 'a positive integer');
  }
  if (options.holdUntilKept !== undefined && typeof options.holdUntilKept !== 'boolean')
    bad('holdUntilKept', 'a boolean');
}

/**
 * What a storage read back is what storage.ts says (an app's storage may have a bug): numbers the
 * socket resumes under, sends in strictly rising seq order, each with its id and text. Anything
 * else is used not at all: resumed under wrong numbers, a send could be processed twice.
 */
const readable = (loaded: Loaded): boolean => {
  const { session, messages, acked, ackedIds } = loaded ?? {};
  return (
    isSeq(acked) &&
    (session === null ||
      (typeof session?.session === 'string' &&
        isSecret(session.secret) &&
        isSeq(session.lastSeq) &&
        isSeq(session.highest))) &&
    Array.isArray(messages) &&
    messages.every(
      (m, i) =>
        isSeq(m?.seq) &&
        m.seq > (i && (messages[i - 1] as KeptMessage).seq) &&
        typeof m.id === 'string' &&
        m.id !== '' &&
        typeof m.text === 'string' &&
        typeof m.at === 'number',
    ) &&
    (ackedIds === undefined ||
      (Array.isArray(ackedIds) && ackedIds.every((id) => typeof id === 'string')))
  );
};

/** Settled sends whose fate {@link Outbox.follow} still tells (a tab that lost its worker asks). */
const MAX_ENDED = 1024;

function createStore(
  host: Host,
  options: OutboxOptions,
): DeliveryStore & Pick<Outbox, 'follow' | 'known'> {
  const { user, key = 'default', loadTimeoutMs = 3000 } = options;
  const { clock } = host;
  const storage =
    options.storage ??
    indexedDbStorage({
      ...(options.maxCount ? { maxCount: options.maxCount } : {}),
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
      clock,
    });
  const locks: OutboxLocks | null | undefined =
    options.locks === undefined
      ? (Reflect.get(globalThis, 'navigator') as { locks?: OutboxLocks } | undefined)?.locks
      : options.locks;

  let status: OutboxSnapshot['status'] = 'loading';
  let kept: KeptSend[] = [];
  /** Seq to id of every send kept here (or being written). */
  const held = new Map<number, string>();
  let release: (() => void) | undefined;
  let books: DeliveryBooks | undefined;
  /** What earlier pages kept is being read: sends are kept once numbered after theirs. */
  let restoring = true;
  /** Sends made while it is read, each with its tab's tag and what settles its {@link durable}. */
  const unstored: Array<
    readonly [NumberedFrame, string | undefined, (kept: Promise<string | null>) => void]
  > = [];
  /** Tabs' sends waiting for what was kept to be read: each learns whether its tag is known. */
  const asking: Array<() => void> = [];
  /** The tag of the tab's send being made now (`known`): its id on the device. */
  let tag: string | undefined;
  /**
   * How each send kept here ends, by its id (pending ones, and the last settled ones), and its id
   * on the device once written (null: it could not be kept). A tab's send is here by its tag from
   * the moment it is made, written or not.
   */
  const outcomes = new Map<string, readonly [Promise<Delivered | Fault>, Promise<string | null>]>();
  const settledIds: string[] = [];
  const remember = (
    id: string,
    outcome: Promise<Delivered | Fault>,
    kept: Promise<string | null> = Promise.resolve(id),
  ) => {
    outcomes.set(id, [outcome, kept]);
    void outcome.then(() => {
      settledIds.push(id);
      if (settledIds.length > MAX_ENDED) outcomes.delete(settledIds.shift() as string);
    });
  };
  let readDone!: () => void;
  /** What earlier pages kept is read (or could not be). */
  const restored = new Promise<void>((done) => {
    readDone = done;
  });
  /** The earlier page's session, until its first welcome here (whose `acked` is the server's word). */
  let trusting: string | null = null;
  /** No seq an earlier page used is above this. */
  let bound = 0;
  let state: ResumeState | undefined;
  let saveTimer: TimerHandle | undefined;
  const stopSave = () => {
    if (saveTimer !== undefined) clock.clearTimeout(saveTimer);
    saveTimer = undefined;
  };
  let ids = 0;

  let snapshot: OutboxSnapshot = Object.freeze({ status, kept });
  const listeners = new Set<() => void>();
  const changed = () => {
    snapshot = Object.freeze({ status, kept });
    for (const listener of [...listeners]) host.isolate('an outbox listener', listener, undefined);
  };

  const tell = (cause: string) =>
    void host.report(host.fault({ source: 'client', code: 'not_durable', cause }));
  /** Storage failed: a fault names why; from a lost storage nothing more is durable. */
  const failed = (what: string, error: unknown): void => {
    const code = error instanceof OutboxError ? error.code : 'failed';
    tell(why(what, code));
  };
  const goneDurable = () => {
    status = 'not_durable';
    held.clear();
    changed();
  };

  /** `work` settled or timed out, whichever first: a wait of the socket is bounded. */
  const bounded = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(
        () => reject(new OutboxError('unavailable', `no answer in ${loadTimeoutMs} ms`)),
        loadTimeoutMs,
      );
      work.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error);
        },
      );
    });

  /** Takes the lock of this key and user: true when held, false when another socket has it. */
  const lock = (): Promise<boolean> => {
    if (!locks) return Promise.resolve(true);
    const abort = new AbortController();
    return new Promise<boolean>((resolve) => {
      const timer = clock.setTimeout(() => {
        abort.abort();
        resolve(false);
      }, loadTimeoutMs);
      locks
        .request(
          `sockguard-outbox:${JSON.stringify([key, user])}`,
          { mode: 'exclusive', signal: abort.signal },
          () => {
            clock.clearTimeout(timer);
            resolve(true);
            return new Promise<void>((done) => {
              release = done;
            });
          },
        )
        .catch(() => resolve(false));
    });
  };

  const entry = (message: KeptMessage): KeptSend => {
    let type = '';
    let data: unknown;
    try {
      ({ type, data } = JSON.parse(message.text) as { type: string; data: unknown });
    } catch {
      // Written by this code from a frame's text: never malformed unless the storage was edited.
    }
    return { id: message.id, type, data, at: message.at, status: 'pending' };
  };
  /**
   * Fates of listed sends not shown yet: one ack settles hundreds at once, and the list (every
   * entry with its data, posted to every tab by a SharedWorker) changes once for all of them.
   */
  let fates: Map<string, Delivered | Fault> | undefined;
  const showFates = () => {
    const now = fates;
    fates = undefined;
    if (!now) return;
    kept = kept.map((k) => {
      const fate = now.get(k.id);
      return fate === undefined
        ? k
        : typeof fate === 'string'
          ? { ...k, status: fate }
          : { ...k, status: 'failed' as const, fault: fate };
    });
    changed();
  };
  const settleEntry = (id: string) => (result: Delivered | Fault) => {
    if (!fates) {
      fates = new Map();
      queueMicrotask(showFates);
    }
    fates.set(id, result);
  };

  /** Reads what earlier pages kept (null: nothing can be, and the socket goes on without). */
  const load = async (): Promise<Awaited<ReturnType<OutboxStorage['load']>> | null> => {
    // The app's locks may throw: that is a lock not held, as is one that never answers.
    if (!(await lock().catch(() => false))) {
      tell(why('outbox_held'));
      return null;
    }
    try {
      const loaded = await bounded(
        new Promise<Loaded>((resolve) => resolve(storage.load(key, user))),
      );
      if (readable(loaded)) return loaded;
      throw new OutboxError('malformed', 'malformed');
    } catch (error) {
      failed('outbox_load', error);
      return null;
    }
  };

  /** Earlier pages' sends go first, under their seqs; this page's sends are numbered after them. */
  const restore = (loaded: Awaited<ReturnType<typeof load>>, b: DeliveryBooks) => {
    restoring = false;
    if (loaded === null) goneDurable();
    else {
      status = 'durable';
      const session = loaded.session;
      const frames: Array<readonly [NumberedFrame, (result: Delivered | Fault) => void]> = [];
      bound = Math.max(loaded.acked, session?.lastSeq ?? 0);
      for (const message of loaded.messages) {
        held.set(message.seq, message.id);
        bound = Math.max(bound, message.seq);
        let told!: (result: Delivered | Fault) => void;
        remember(
          message.id,
          new Promise((done) => {
            told = done;
          }),
        );
        const entry = settleEntry(message.id);
        frames.push([
          { text: message.text, seq: message.seq },
          (result) => {
            entry(result);
            told(result);
          },
        ]);
      }
      kept = loaded.messages.map(entry);
      // Sends the server acknowledged: a tab handing one again learns so, and it is not resent.
      for (const id of loaded.ackedIds ?? [])
        outcomes.set(id, [Promise.resolve('acknowledged'), Promise.resolve(id)]);
      const moved = b.ledger.restore(frames, session !== null, bound);
      for (const [frame] of moved) renumber(frame);
      const now = b.state();
      trusting = session?.session ?? null;
      b.adopt({
        session: session?.session ?? now.session,
        secret: session?.secret ?? now.secret,
        lastSeen: session?.highest ?? now.lastSeen,
        // What the earlier page wrote is not known: the first welcome says what it processed.
        written: session ? Number.POSITIVE_INFINITY : now.written,
        next: bound + moved.length,
      });
      host.requeue(frames.map(([frame]) => frame));
    }
    for (const [frame, given, done] of unstored)
      done(b.ledger.has(frame.seq) ? keep(frame, given) : Promise.resolve(null));
    unstored.length = 0;
    readDone();
    changed();
    b.resume();
    for (const ask of asking.splice(0)) ask();
  };

  /** The app gives up a kept send: its fate is told (not reported: the app asked). */
  const cancel = (seq: number): boolean => {
    const found = books?.ledger.kept().find(({ frame }) => frame.seq === seq);
    if (!books || !found) return false;
    const cause = why(found.sent ? 'discarded_sent' : 'discarded');
    books.ledger.reject(seq, host.fault({ source: 'client', code: 'session_changed', cause }));
    dropped(seq);
    host.unqueue(found.frame);
    books.changed();
    return true;
  };

  /** Writes `work` unless nothing is durable any more; a failure is reported once per kind. */
  const write = (what: string, work: () => Promise<unknown>): Promise<boolean> =>
    status !== 'durable'
      ? Promise.resolve(false)
      : // The app's storage may throw instead of rejecting: the same failure, never the send's.
        new Promise((resolve) => resolve(work())).then(
          () => true,
          (error: unknown) => {
            failed(what, error);
            if (error instanceof OutboxError && error.code !== 'full' && error.code !== 'quota')
              goneDurable();
            return false;
          },
        );

  const save = () => {
    stopSave();
    const now = state;
    return now ? write('outbox_session', () => storage.saveSession(key, user, now)) : undefined;
  };

  const channel: OutboxChannel = {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    discard(id) {
      for (const [seq, heldId] of held)
        if (heldId === id) {
          const gone = cancel(seq);
          // The app's own act shows at once.
          showFates();
          return gone;
        }
      const before = kept.length;
      kept = kept.filter((k) => k.id !== id || k.status === 'pending');
      if (kept.length !== before) changed();
      return false;
    },
    clear() {
      for (const seq of [...held.keys()]) cancel(seq);
      kept = [];
      changed();
    },
  };
  showOutbox(host.socket, channel);

  /**
   * Keeps a send on the device: its id (a tab's tag, else made here) once it is, null when it
   * cannot be.
   */
  const keep = (frame: NumberedFrame, given?: string): Promise<string | null> => {
    const id = given ?? `${frame.seq}-${clock.now().toString(36)}-${++ids}`;
    const text = frame.text;
    const message = { seq: frame.seq, id, text, bytes: sizeOf(text), at: clock.now() };
    if (status === 'durable') {
      held.set(frame.seq, id);
      if (options.holdUntilKept) (frame as Frame).wait = true;
    }
    // Bounded: a tab's receipt waits for this (src/worker), and a storage may never answer.
    return write('outbox_write', () => bounded(storage.add(key, user, message))).then((ok) => {
      if (!ok) held.delete(frame.seq);
      if ((frame as Frame).wait) {
        (frame as Frame).wait = false;
        host.flush();
      }
      return ok ? id : null;
    });
  };

  function dropped(seq: number) {
    const id = held.get(seq);
    if (id === undefined) return;
    held.delete(seq);
    void write('outbox_write', () => storage.discard(key, user, id));
  }

  return {
    bind(b) {
      books = b;
      void load().then((loaded) => restore(loaded, b));
    },
    kept(frame, receipt) {
      const given = tag;
      const id = restoring
        ? new Promise<string | null>((done) => unstored.push([frame, given, done]))
        : keep(frame, given);
      keptIds.set(receipt, id);
      const outcome = receipt.then(
        (delivered) => delivered,
        // Delivery rejects a receipt with the send's fault only.
        (error: unknown) => (error as FaultError).fault ?? 'unconfirmed',
      );
      // A tab's send is known by its tag at once: the tab may hand it again to this same worker
      // (it took it for dead) while its write is under way, or when it could not be kept.
      if (given) remember(given, outcome, id);
      else void id.then((kept) => kept && remember(kept, outcome));
    },
    follow: (id) => restored.then(() => outcomes.get(id)?.[0] ?? 'unconfirmed'),
    known(given, then) {
      const ask = () => {
        const found = outcomes.get(given);
        if (found) return then(found[1]);
        tag = given;
        try {
          then(undefined);
        } finally {
          tag = undefined;
        }
      };
      if (restoring) asking.push(ask);
      else ask();
    },
    welcomed(acked) {
      const now = books?.state();
      const was = trusting;
      trusting = null;
      // A welcome of another session (the server forgot it) set the books straight already.
      if (!books || !now || was === null || was !== now.session) return;
      if (acked <= bound) return books.adopt({ ...now, written: bound });
      // An earlier page wrote more than it kept (a request, a send it could not keep) and the
      // server processed it: what it kept is acknowledged, and this page's sends (none written
      // yet, all above what it kept) go above the server's number.
      for (const frame of books.ledger.ack(bound)) host.unqueue(frame);
      const moved = books.ledger.restore([], false, acked);
      for (const [frame] of moved) renumber(frame);
      books.adopt({ ...now, written: acked, next: acked + moved.length });
      const remove: number[] = [];
      const add: KeptMessage[] = [];
      for (const [frame, old] of moved) {
        const id = held.get(old);
        if (id === undefined) continue;
        held.delete(old);
        held.set(frame.seq, id);
        remove.push(old);
        add.push({
          seq: frame.seq,
          id,
          text: frame.text,
          bytes: sizeOf(frame.text),
          at: clock.now(),
        });
      }
      if (add.length > 0) void write('outbox_write', () => storage.rewrite(key, user, remove, add));
    },
    acked(seq) {
      for (const kept of [...held.keys()]) if (kept <= seq) held.delete(kept);
      void write('outbox_write', () => storage.ack(key, user, seq));
    },
    dropped,
    holds: (seq) => held.has(seq),
    seen(highest) {
      if (!state || status !== 'durable') return;
      state = { ...state, highest };
      // At most one write a second: a highest that lags only replays a few messages after a reload.
      saveTimer ??= clock.setTimeout(save, 1000);
    },
    session(next) {
      state = next;
      const saved = save();
      // Bounded: a storage that does not answer must not hold the socket's sends.
      return saved
        ? bounded(saved).then(
            () => {},
            () => {},
          )
        : Promise.resolve();
    },
    ended() {
      state = undefined;
      stopSave();
      held.clear();
      kept = [];
      changed();
      void write('outbox_write', () => storage.clear(key, user));
    },
    stopped() {
      stopSave();
      release?.();
      // Its own storage only (an app's may serve other sockets): another tab's upgrade or a
      // deleteDatabase is not blocked by a socket that is gone.
      if (!options.storage) storage.close();
      status = 'not_durable';
      changed();
    },
  };
}
