/**
 * A tab's side of one connection for all tabs (SPEC.md section 8, issue 21): the core's `Socket`
 * API, whose calls go over this tab's MessagePort to the SharedWorker that holds the one socket
 * (hub.ts). The snapshot mirrors the worker's; handlers get every message once; a send's or
 * request's outcome and faults come back to this tab only, and its error store is its own.
 *
 * `close()` is this tab leaving: the shared socket stays for the other tabs (the worker closes it
 * once no tab is left). Sends already handed to the worker still go, as a page's last sends
 * would; pending requests reject here. `connect()` joins again.
 *
 * Every wait is bounded here too: a request has its own timer (its timeout plus
 * `requestGraceMs`), and a worker that dies is noticed, its pending work failed, and a new one
 * started.
 *
 * The death rule. The limit is `max(workerTimeoutMs, 2 x the welcome's pingMs)` (2000 ms with the
 * defaults: a 2000 ms tab setting, a 1000 ms hub ping). A check runs every quarter of the limit
 * and adds to the worker's silence the time since the later of its last run and the worker's last
 * word, but never more than two quarters: a check that runs late means this TAB was throttled or
 * frozen (a background tab's timers run once a second, or once a minute under Chrome's intensive
 * throttling; a frozen page runs nothing, and the worker's words wait in its queue), and that is
 * no silence of the worker's. The worker is dead when its silence passes the limit: within
 * 1.25 x the limit of its last word (2.5 s by default) for a tab whose timers run on time or once
 * a second; under intensive throttling after three checks (about 3 minutes). A live worker's
 * pings reach a throttled tab (messages are not throttled), and a frozen tab's first late check
 * counts its sleep as at most half the limit, so neither blames a live worker.
 *
 * A dead worker. A SharedWorker lives in the renderer of the page that started it: a crash of that
 * page kills it, and the other tabs get no event at all (Chromium 156: no `error`, no port
 * `close`), only the silence. Given a port factory (`connectTab(() => new SharedWorker(url,
 * { name }).port, ...)`), the tab then says bye on the old port, makes a new one and says hello
 * there: the browser starts a new worker of that name once the old is gone, and tabs doing so at
 * once all reach that one worker (same-name SharedWorkers are one). Still silent, it tries again
 * after another limit and a backoff (below; the work handed to the silent port fails as below).
 * Given a port, it says hello again on it. Either way the store gets ONE connection fault
 * (origin: this tab's link), resolved when a worker is heard again.
 *
 * A worker that never starts (its script a 404, or it throws at start) never welcomes: the tab
 * would make a new SharedWorker every 2.5 s for as long as it is open, every tab of the app alike.
 * So the deaths since the worker's last welcome are counted: the first new port comes at once (a
 * crashed worker's successor starts at once), each later one only after the core's backoff
 * (`backoffDelay`, attempt 1 after the second death, with the socket's `backoff` policy, or the
 * default one when `backoff` is a function, and `random`): full jitter up to `capMs` (30 s by default), the snapshot's `nextRetryAt` saying
 * when. While it waits the tab still listens on the silent port (a slow worker may answer there,
 * and ends the wait). A welcome starts the count again.
 *
 * Pending work on a lost worker is never sent twice: without delivery, the tab cannot know
 * whether the worker wrote it before it died. Requests reject and sends fail (each its own fault)
 * with `connection_closed` saying it may have arrived (`worker_lost_work`); the app decides.
 *
 * With delivery (`delivery: delivery(options)`, its settings sent as data: the worker's socket
 * runs `delivery()` with them, and every tab of the key must give the same), a send returns
 * `delivered`, settled by the worker's receipt for that send (`sent` with `delivered`, routed by
 * the tab's id), and the tab keeps the send until then, at most `maxUnacked` (one more is
 * rejected `queue_overflow` here). What a worker does with a kept send:
 * - A tab that leaves (`close()`, `pagehide`) or crashes: the worker's delivery keeps its sends
 *   until acknowledged (sent again after a drop of the server link, under their seqs); the
 *   receipts have nowhere to go. The tab that closed resolves its receipts `unconfirmed`.
 * - The worker dropped this tab (it did not answer pings): it still holds the sends, and tells
 *   their receipts on the same port, before and after the tab's hello there.
 * - The worker is judged dead, with a factory: the kept sends go to the new worker right after
 *   the hello on its port, in the tab's order, before any newer send; their receipts stay
 *   pending and the new worker's settle them. Without a factory they fail as above. (A worker's
 *   socket with delivery queues up to `maxUnacked`, not `maxQueue`, and counts no tab's sends
 *   against `maxTabWork`: all a tab kept fits in a new worker, whose delivery bounds the total.)
 * At least once across a worker death, not exactly once: the new worker runs a NEW delivery
 * session and numbers the kept sends anew, so the server cannot tell them from new ones. A kept
 * send is processed twice exactly when the server had processed it but its acknowledgement had
 * not reached this tab (written by the old worker, its ack or receipt lost with it), or when the
 * worker judged dead was alive (a new port of the same name reaches that same worker, which still
 * holds the sends under their first numbers). Nothing kept is lost; a send the tab never handed
 * its port (a crashed page) is the page's. Exactly once would carry the session (id, resume
 * secret, each kept send's seq, the highest seq seen) to the tabs and let the new worker resume
 * it under the same seqs, holding new numbers until every tab re-sent its kept ones: not built.
 *
 * With a durable outbox (`delivery({ outbox: indexedDbOutbox(...) })`, kept by the worker, which
 * tells each send's id on the device in an `outbox` message before its receipt) it is exactly
 * once for what was kept: the tab hands a new worker `adopt` with that id instead of the send, and
 * the new worker's outbox resumes the session from the device, sends the kept frames under their
 * seqs (the server drops what it processed) and settles the tab's receipt by the id. A send not
 * yet told kept is handed again as data: the worker's outbox holds each frame off the wire until
 * its write commits (`holdUntilKept`), so the server has it only if it was kept. And each send is
 * tagged (the outbox's side here gives a random mark and its number), the tag its id on the
 * device: a send kept and written in the instant before the worker's process crashed, its
 * `outbox` message to this tab lost with it, is handed again as data, and the new worker finds
 * its tag among what was kept (or acknowledged since: the device remembers the last ids
 * acknowledged) and follows it instead of sending it twice; so does a worker the tab took for dead
 * while it was alive (a new port of the same name reaches it), which knows the tags of the sends
 * made through it from the start, their writes on the device done or not.
 *
 * This file is what every tab downloads (issue 21 gives it 2.5 KB min+gz on top of the core):
 * checks only a developer needs are development-only, the checker is the one of wire-check.ts.
 */

import { type BackoffPolicy, backoffDelay, resolveBackoff } from '../core/backoff.js';
import { monotonicOf, systemClock, type TimerHandle } from '../core/clock.js';
import { eventTarget, watchEnvironment } from '../core/environment.js';
import { createErrorStore, type ErrorStore } from '../core/error-store/error-store.js';
import type { Host } from '../core/extension.js';
import { createHandlers } from '../core/handlers.js';
import { IDLE } from '../core/machine.js';
import { checkGiven } from '../core/option-checks.js';
import { resolveNumbers, type SocketOptions } from '../core/options.js';
// The socket is in every bundle that has this file (the app's fallback, the core entry).
import { describeError } from '../core/socket.js';
import type {
  Delivered,
  MessageHandler,
  SendResult,
  Socket,
  SocketSnapshot,
} from '../core/types.js';
import { isUnauthorized } from '../core/unauthorized.js';
import { classify } from '../protocol/classify.js';
import type { Envelope } from '../protocol/envelope.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { refusal, why } from '../protocol/why.js';
import { OWN_REQUEST, type OwnRequest } from '../request/request.js';
import { deliveryView } from './tab-delivery-view.js';
import {
  keyOf,
  SETTINGS,
  type Settled,
  type TabDelivery,
  type TabSettings,
  type Work,
  wireOptions,
} from './tab-options.js';
import {
  type PortLike,
  post,
  type Question,
  readWorkerMessage,
  type TabMessage,
  type WorkerMessage,
} from './wire.js';

export type { Settled, TabSettings } from './tab-options.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** Tabs connected in this realm: each one's origin of the faults of its own link to the worker. */
let connected = 0;

/**
 * A piece of work handed to the worker; `end` settles a request's promise or a delivery send's
 * receipt; `say` is a send's message (with delivery, handed to a new worker again).
 */
interface Pending extends Work {
  readonly end?: ((outcome: Envelope | Fault | Delivered) => void) | undefined;
  readonly say?: Say;
}

/** A message to the worker, without the version every message carries. */
type Say = TabMessage extends infer M ? (M extends TabMessage ? Omit<M, 'v'> : never) : never;

/**
 * Connects this tab to the shared worker; returns the tab's socket. `source` is a port, or a
 * factory of ports (a new `SharedWorker` of the same URL and name each call): with a factory the
 * tab recovers from a dead worker by making a new one (see the top of this file). Options are
 * checked here, as `createSocket` checks them, and those that cannot cross a port (a
 * `classification.messages` function) are refused naming the option; `schemas` stay here and check
 * what the worker hands this tab; `delivery` crosses
 * as its settings (see the top of this file). The page-only functions (`url`, `protocols`,
 * `refreshAuth`, a `backoff` function) are run here when the worker asks.
 */
export function connectTab(
  source: PortLike | (() => PortLike),
  options: SocketOptions,
  settings: TabSettings = {},
): Socket {
  resolveNumbers(options);
  try {
    if (process.env.NODE_ENV !== 'production') checkGiven('connectTab', settings, SETTINGS);
  } catch {
    checkGiven('connectTab', settings, SETTINGS); // no `process`: development
  }
  const wire = wireOptions(options);
  /** With delivery: the most sends this tab keeps until their receipts (else undefined). */
  const maxUnacked = (wire.delivery as { maxUnacked?: number } | undefined)?.maxUnacked;
  const key = keyOf(options, settings.key);
  const workerTimeoutMs = settings.workerTimeoutMs ?? 2000;
  const graceMs = settings.requestGraceMs ?? 2000;
  const maxQueue = options.maxQueue ?? 100;
  const clock = options.clock ?? systemClock;
  const elapsed = monotonicOf(clock);
  const given = options.errors;
  const store: ErrorStore =
    given && 'getState' in given ? given : createErrorStore({ clock, ...given });
  /**
   * The origin of the faults of this tab's link to the worker (the worker silent, this tab
   * dropped): resolved (`resolveConnection`) when the worker is heard again. No dash in a socket's.
   * Also the prefix of this tab's fault ids: two tabs of a page may share one store, and the
   * store takes a fault of a known id as the same failure.
   */
  const link = `worker-tab-${++connected}`;

  let snapshot: SocketSnapshot = IDLE;
  const listeners = new Set<() => void>();
  let joined = false;
  /** The worker has gone quiet, or dropped this tab: it is asked again with a hello. */
  let lost = false;
  /** The worker refused this tab's options: it waits for `reconnect()`. */
  let refused = false;
  let ids = 0;
  let faults = 0;
  /** The worker's silence, in this tab's awake time, and when it was last added to (or reset). */
  let quiet = 0;
  let counted = 0;
  let watchdog: TimerHandle | undefined;
  /** The worker's deaths since its last welcome, and the wait before the next new port. */
  let tries = 0;
  let retry: TimerHandle | undefined;
  // New ports back off by the socket's policy; with a `backoff` function (the worker asks it of a
  // tab: `answer`), by the default one.
  const policy = resolveBackoff({ ...(options.backoff as BackoffPolicy | undefined) });
  const random = options.random ?? Math.random;
  /** The worker's ping interval, from its welcome (0 until then). */
  let pingMs = 0;
  /**
   * Sends handed to the worker and not settled yet. The delivery seam: with delivery on, an entry
   * stays here until the worker reports the send acknowledged (not only written), so that a
   * worker that dies leaves the tab holding what the server may not have processed.
   */
  const sends = new Map<number, Pending>();
  const requests = new Map<number, Pending>();

  const makePort = typeof source === 'function' ? source : undefined;
  let port = makePort ? undefined : (source as PortLike);
  const say = (message: Say) => !!port && post(port, { v: 1, ...message } as TabMessage);
  /**
   * The worker on `port` welcomed this tab since its last hello: work (sends, requests, aborts) may
   * be posted. Until then it waits in `held`, in order: a port whose connection the browser has
   * not made yet (the worker's host page busy) would otherwise deliver it later as well as the new
   * port a tab that judged the worker unstarted makes, and the worker would take it twice.
   */
  let ready = false;
  const held: Say[] = [];
  const work = (message: Say) => {
    if (ready) say(message);
    else held.push(message);
  };
  const makeFault = (input: FaultInput): Fault =>
    classify(input, {
      id: `${link}-${++faults}`,
      now: clock.now(),
      overrides: options.classification?.overrides,
    });
  const clientFault = (code: ClientCode, cause: string) =>
    makeFault({ source: 'client', code, cause });
  const report = (f: Fault, origin?: string) => {
    try {
      store.getState().report(f, origin ? { origin } : {});
    } catch {
      // A store subscriber threw after the store changed: the fault is kept.
    }
    return f;
  };
  /** A client fault, reported. */
  const fail = (code: ClientCode, cause: string) => report(clientFault(code, cause));
  const isolate = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      fail('callback_error', why('callback_threw', what, describeError(error)));
    }
  };
  /** The store hears what the worker says (its subscribers are the app's). */
  const toStore = (fn: (state: ReturnType<ErrorStore['getState']>) => void) =>
    isolate(why('store_subscriber'), () => fn(store.getState()));
  /** The last fault the schemas reported (a reply's, to fail its request with). */
  let bad: Fault | undefined;
  const schemas = options.schemas?.create({
    report: (f: Fault) => {
      bad = report(f);
      return bad;
    },
    fault: makeFault,
  } as unknown as Host);
  const handlers = createHandlers((error, envelope) =>
    fail('handler_error', why('handler_threw', envelope.type, describeError(error))),
  );
  const setSnapshot = (next: SocketSnapshot) => {
    if (next === snapshot) return;
    snapshot = Object.freeze(next);
    for (const listener of [...listeners]) isolate(why('listener'), listener);
  };

  /** The work of `id` ends `how` (told once); a request settles with `outcome`. */
  const done = (
    from: Map<number, Pending>,
    id: number,
    how: Settled,
    outcome?: Envelope | Fault | Delivered,
  ) => {
    const entry = from.get(id);
    if (entry === undefined) return;
    from.delete(id);
    // A test seam (@internal): told in development builds only, so no app ships it.
    try {
      if (process.env.NODE_ENV !== 'production')
        isolate(why('settled_hook'), () =>
          settings.settled?.({ kind: entry.kind, data: entry.data }, how),
        );
    } catch {
      isolate(why('settled_hook'), () =>
        settings.settled?.({ kind: entry.kind, data: entry.data }, how),
      );
    }

    if (outcome) entry.end?.(outcome);
  };
  /**
   * Everything pending ends: requests reject with `f`; sends fail or are left. Failed: each
   * stored. With delivery, `keep` keeps the sends (a new worker gets them, or this one still has
   * them), and a send left has an unknown fate: its receipt says `unconfirmed`.
   */
  const settleAll = (f: Fault, how: 'failed' | 'left', keep = false) => {
    for (const from of keep ? [requests] : [requests, sends])
      for (const id of [...from.keys()])
        done(
          from,
          id,
          from === sends ? how : 'failed',
          how === 'failed'
            ? report({ ...f, id: `${link}-${++faults}` })
            : from === sends && maxUnacked
              ? 'unconfirmed'
              : f,
        );
  };

  /** Pending work fails saying it may have arrived (with `keep`, sends are kept). */
  const lostWork = (keep: boolean) =>
    settleAll(clientFault('connection_closed', why('worker_lost_work')), 'failed', keep);

  // ---- the worker -----------------------------------------------------------------------------

  const attach = (p: PortLike) => {
    p.addEventListener('message', onMessage);
    p.start?.();
  };
  const hush = () => {
    quiet = 0;
    counted = elapsed();
  };
  /**
   * A new port from the factory (the old one is left): a new worker when the old is gone. Then
   * hello, and with delivery the kept sends again, in their order, before any newer send.
   */
  const renew = () => {
    let next: PortLike | undefined;
    isolate(why('port_factory'), () => {
      next = makePort?.();
    });
    if (!next || !port) return hello();
    // What was handed to the old port since the loss (a backoff wait) is lost with it.
    lostWork(!!maxUnacked);
    say({ t: 'bye' });
    port.removeEventListener('message', onMessage);
    port.close();
    port = next;
    attach(next);
    hello();
    // Only delivery's are still here (the others failed just above): held until the welcome. One
    // kept on the device is followed by the new worker's outbox, which sends it: never twice.
    for (const [id, entry] of sends) if (entry.say) work(box?.kept(id) ?? entry.say);
  };

  /**
   * The worker went quiet (`silent`) or dropped this tab: pending work fails here, and we say
   * hello again (on a new port when it went quiet and there is a factory).
   */
  const lose = (cause: string, silent: boolean) => {
    if (lost && !silent) return;
    // Also when still silent after a new port: what was handed to that one is no less lost (and
    // its outcome would come on a port this tab no longer hears). With delivery, sends are kept:
    // a new worker gets them again (a factory), or this one still has them (it dropped the tab).
    lostWork(!!maxUnacked && (!silent || !!makePort));
    // The backoff (top of the file). The socket's `maxAttempts` is for the server: this tab keeps
    // trying, at the cap.
    const wait =
      silent && tries++
        ? (backoffDelay(policy, { attempt: tries - 1, fault: null, hintMs: 0, random: random() }) ??
          policy.capMs)
        : 0;
    const again = () => (silent ? renew() : hello());
    setSnapshot({
      ...snapshot,
      status: 'reconnecting',
      nextRetryAt: wait ? clock.now() + wait : null,
      // Kind `connection` (a client `connection_closed` is an `application` fault of one piece of
      // work): it is this tab's connection that is down, and so it is resolved when it is back.
      lastFault: lost
        ? snapshot.lastFault
        : report({ ...clientFault('connection_closed', cause), kind: 'connection' }, link),
    });
    lost = true;
    if (!wait) return again();
    retry = clock.setTimeout(() => {
      retry = undefined;
      hush();
      setSnapshot({ ...snapshot, status: 'reconnecting', nextRetryAt: null });
      again();
    }, wait);
  };
  const stopRetry = () => {
    if (retry !== undefined) clock.clearTimeout(retry);
    retry = undefined;
  };
  const limitMs = () => Math.max(workerTimeoutMs, 2 * pingMs);
  const watch = () => {
    const tick = limitMs() / 4;
    watchdog = clock.setTimeout(() => {
      watchdog = undefined;
      if (!joined || refused) return;
      // The death rule (top of the file): a late check is this tab's sleep, not the worker's.
      const now = elapsed();
      quiet += Math.min(now - counted, 2 * tick);
      counted = now;
      const limit = limitMs();
      // While a new port waits its backoff, nothing is judged: that port is not there yet.
      if (quiet > limit && retry === undefined) {
        hush();
        lose(why(pingMs ? 'worker_silent' : 'worker_unstarted', limit), true);
      }
      watch();
    }, tick);
  };

  /** Answers a page-only question with the app's function (what it threw, if it did). */
  const answer = (q: number, what: Question, input: unknown) => {
    // Asked only of an option that is a function (the worker knows it by its mark): anything else
    // throws here, and the answer says so. Only `backoff` is asked with an input.
    Promise.resolve()
      .then(() => (options[what] as (input: unknown) => unknown)(input))
      .then(
        (value) => {
          // A URL object crosses as its text; refreshAuth's value is nobody's business.
          const href = (value as { href?: unknown } | null | undefined)?.href ?? value;
          const sendable =
            what === 'refreshAuth'
              ? null
              : what !== 'url'
                ? value
                : typeof href === 'string'
                  ? href
                  : null;
          say({ t: 'answer', q, value: sendable }) ||
            say({ t: 'answer', q, error: why('answer_unsendable', what), unauthorized: false });
        },
        (error: unknown) =>
          say({ t: 'answer', q, error: describeError(error), unauthorized: isUnauthorized(error) }),
      );
  };

  function onWorker(m: WorkerMessage) {
    switch (m.t) {
      case 'welcome':
        tries = 0;
        pingMs = m.pingMs;
        ready = true;
        for (const message of held.splice(0)) say(message);
        return setSnapshot(m.snapshot);
      case 'snapshot':
        return setSnapshot(m.snapshot);
      case 'refused':
        // Not counted by the worker (no pings come): nothing to watch until `reconnect()`.
        refused = true;
        held.length = 0;
        report(m.fault);
        // What was handed over meanwhile was dropped by that worker (an earlier one may have
        // written a kept send, so: may have arrived); none waits for an answer that cannot come.
        lostWork(false);
        return setSnapshot({ ...IDLE, status: 'failed', fault: m.fault, lastFault: m.fault });
      case 'message': {
        // A reply is a message only as its own request settles: one for a request that ended
        // here (its own timer, an abort) is late, and nobody's.
        if (m.reply !== undefined && !requests.has(m.reply)) return;
        // Replayed after a worker's death, and delivered here already (tab-delivery-view.ts).
        if (view && !view.fresh(m.envelope)) return;
        // With `schemas` its data is checked here: one that fails is reported and dropped (its
        // request, if it is a reply, fails with that fault), as the core does.
        const seen = schemas?.inbound?.(m.envelope);
        if (seen === null) return m.reply !== undefined && done(requests, m.reply, 'failed', bad);
        const envelope = seen ?? m.envelope;
        handlers.emit(envelope);
        if (m.reply !== undefined) done(requests, m.reply, 'replied', envelope);
        return;
      }
      case 'fault':
        return toStore((s) => s.report(m.fault, m.context));
      case 'resolve':
        return toStore((s) => s.resolveConnection(m.origin));
      case 'dismiss':
        return toStore((s) => s.dismiss(m.id));
      case 'sent':
        // With delivery a send ends with its receipt or a failure, not when written.
        if (maxUnacked && !m.fault && !m.delivered) return;
        return done(
          sends,
          m.id,
          m.fault ? 'failed' : (m.delivered ?? 'written'),
          m.fault ?? m.delivered,
        );
      case 'failed':
        return done(requests, m.id, 'failed', m.fault);
      case 'ask':
        return answer(m.q, m.what, m.input);
      case 'ping':
        return void say({ t: 'pong', n: m.n });
      case 'dropped':
        return lose(why('tab_dropped'), false);
      case 'delivery':
        return view?.take(m.snapshot);
      default:
        // The durable outbox's own: it reads and checks them.
        return box?.on(m);
    }
  }

  const onMessage = (event: { readonly data: unknown }) => {
    if (!joined) return;
    const read = readWorkerMessage(event.data);
    if (!read.ok) return void fail('invalid_envelope', why('worker_malformed', read.problem));
    hush();
    if (lost && read.message.t !== 'dropped') {
      // The worker answers again: the fault of its silence (or of the drop) is over.
      lost = false;
      stopRetry();
      toStore((s) => s.resolveConnection(link));
    }
    onWorker(read.message);
  };

  // ---- joining and leaving --------------------------------------------------------------------

  let env: ReturnType<typeof watchEnvironment> | null = null;
  const conditions = () => ({
    visible: !(env?.isHidden() ?? false),
    online: env?.isOnline() ?? true,
  });
  const hello = () => {
    // What waited for the old hello's welcome is failed or kept by now: nothing of it is posted.
    ready = false;
    held.length = 0;
    say({ t: 'hello', key, options: wire, ...conditions() });
  };

  const join = () => {
    if (joined) return;
    joined = true;
    lost = false;
    hush();
    port ??= makePort?.();
    if (port) attach(port);
    env = watchEnvironment(options.environment ?? {}, (event) => {
      // The back/forward cache is the page's (below); the worker hears only the conditions.
      if (event !== 'frozen' && event !== 'restored') say({ t: 'conditions', ...conditions() });
    });
    if (snapshot.status === 'closed') setSnapshot(IDLE);
    hello();
    watch();
  };

  /** This tab leaves; `closing`: for good (`close()` or unload), else for the bfcache. */
  function leave(closing: boolean) {
    if (!joined) return;
    say({ t: 'bye' });
    joined = false;
    port?.removeEventListener('message', onMessage);
    env?.stop();
    env = null;
    if (watchdog !== undefined) clock.clearTimeout(watchdog);
    watchdog = undefined;
    stopRetry();
    // What waited for a welcome goes now, as it always did: a worker that never welcomes drops it.
    for (const message of held.splice(0)) say(message);
    // Into the back/forward cache, the page comes back to tell the app: what it handed over may
    // have arrived, or died with a worker it had not found dead yet (it judges a worker dead only
    // after its silence), so each fails saying so rather than ending unheard (with delivery too:
    // a receipt that said `unconfirmed` would leave such a send lost).
    if (closing) settleAll(clientFault('connection_closed', why('tab_closed')), 'left');
    else lostWork(false);
    if (closing) setSnapshot({ ...IDLE, status: 'closed' });
  }

  /** Why nothing can be sent now (closed, failed), or undefined: the core's words. */
  const stopped = (): Fault | undefined => {
    const status = joined ? snapshot.status : 'closed';
    const closed = status === 'closed';
    return closed || status === 'failed'
      ? clientFault(
          'connection_closed',
          why('socket_stopped', status, closed ? 'connect()' : 'reconnect()'),
        )
      : undefined;
  };
  const checkJson = (type: unknown, data: unknown, meta?: unknown) => {
    if (typeof type !== 'string' || type === '') throw refusal('send_type');
    try {
      JSON.stringify({ type, data, meta });
    } catch (error) {
      throw refusal('not_json', type, String(error));
    }
  };

  const socket = {
    errors: store,
    getSnapshot: () => snapshot,
    subscribe(listener: () => void) {
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    connect: join,
    reconnect() {
      if (!joined) return join();
      if (!refused) return void say({ t: 'reconnect' });
      // Asked again: the other tabs may have gone, or their options changed with a reload.
      refused = false;
      hush();
      hello();
      if (watchdog === undefined) watch();
    },
    close: () => leave(true),
    on: (type: string, handler: MessageHandler) => handlers.on(type, handler),
    send(type: string, data: unknown, meta?: Readonly<Record<string, unknown>>): SendResult {
      checkJson(type, data, meta);
      const fault =
        stopped() ??
        (snapshot.suspended
          ? fail('connection_closed', why('suspended_send'))
          : sends.size >= (maxUnacked ?? maxQueue)
            ? fail(
                'queue_overflow',
                maxUnacked ? why('max_unacked', maxUnacked) : why('queue_full', maxQueue),
              )
            : undefined);
      if (fault) return { status: 'rejected', fault };
      const id = ++ids;
      let end: Pending['end'];
      // With delivery the send is kept here until the worker tells its receipt (see `sends`).
      const delivered = maxUnacked
        ? new Promise<Delivered>((resolve, reject) => {
            end = (outcome) =>
              typeof outcome === 'string'
                ? resolve(outcome)
                : reject(new FaultError(outcome as Fault));
          })
        : undefined;
      // An app that never looks at the receipt must not get an unhandled rejection.
      delivered?.catch(() => {});
      // With a durable outbox its side in this tab tags the send (wire.ts `send.tag`).
      const message: Say = {
        t: 'send',
        id,
        type,
        data,
        ...(meta && { meta: { ...meta } }),
        ...box?.send(id, delivered),
      };
      sends.set(id, { kind: 'send', data, end, say: message });
      work(message);
      return delivered ? { status: 'queued', delivered } : { status: 'queued' };
    },
    [OWN_REQUEST]: ((type, data, ro, check) => {
      const { signal, reply, retryOnReconnect } = ro;
      const timeoutMs = ro.timeoutMs ?? options.requestTimeoutMs ?? 10_000;
      const never = timeoutMs === Number.POSITIVE_INFINITY;
      const id = ++ids;
      return new Promise<Envelope>((resolve, reject) => {
        checkJson(type, data);
        const early =
          stopped() ??
          (signal?.aborted ? clientFault('request_aborted', why('aborted_before')) : undefined);
        if (early) throw new FaultError(early);
        /** This tab gives up (its signal, its own timer): the worker is told to let go too. */
        const giveUp = (f: Fault) => {
          work({ t: 'abort', id });
          done(requests, id, 'failed', f);
        };
        const onAbort = () => giveUp(clientFault('request_aborted', why('aborted')));
        // The worker times the request out first; this one holds if the worker cannot answer.
        const timer = never
          ? undefined
          : clock.setTimeout(
              () => giveUp(fail('request_timeout', why('no_reply', type, timeoutMs + graceMs))),
              timeoutMs + graceMs,
            );
        requests.set(id, {
          kind: 'request',
          data,
          end(settled) {
            // A request ends with its reply or a fault (never a receipt).
            const outcome = settled as Envelope | Fault;
            if (timer !== undefined) clock.clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            if (!('type' in outcome)) return reject(new FaultError(outcome));
            const checked = reply ? check(reply, outcome.data) : undefined;
            if (!checked || (checked.ok && checked.data === outcome.data)) return resolve(outcome);
            if (checked.ok) return resolve({ ...outcome, data: checked.data });
            reject(new FaultError(fail('invalid_envelope', why('bad_reply', type, checked.cause))));
          },
        });
        signal?.addEventListener('abort', onAbort);
        work({
          t: 'request',
          id,
          type,
          data,
          timeoutMs: never ? null : timeoutMs,
          ...(retryOnReconnect !== undefined && { retryOnReconnect }),
        });
      });
    }) satisfies OwnRequest,
  } as unknown as Socket;

  // With delivery (it runs in the worker): its view here, and a durable outbox's side (src/outbox).
  const view = wire.delivery ? deliveryView(socket, () => work({ t: 'end' }), fail) : undefined;
  const box = (options.delivery as TabDelivery | undefined)?.outbox?.tab(socket, work, fail);

  // A page that unloads says goodbye (a crash says nothing: the worker's ping finds it); one going
  // into the back/forward cache leaves too (a frozen page cannot answer), and comes back on show.
  const window =
    options.environment === false
      ? undefined
      : eventTarget(options.environment?.window ?? globalThis);
  const persisted = (event: Event) => Reflect.get(event, 'persisted') === true;
  let away = false;
  window?.addEventListener('pagehide', (event) => {
    if (!joined) return;
    away = persisted(event);
    leave(!away);
  });
  window?.addEventListener('pageshow', (event) => {
    if (!away || !persisted(event)) return;
    away = false;
    join();
  });
  if (options.autoConnect ?? true) join();
  return socket;
}
