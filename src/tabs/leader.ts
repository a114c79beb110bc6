/**
 * The leading tab: it runs the ordinary socket and tells the other tabs its snapshots, messages and
 * faults, runs the work they hand it, and answers each in the tab that asked. Faults of one tab's
 * work go to that tab only (fault-routing.ts); a reply goes to the handlers of the asking tab.
 */

import type { FaultContext } from '../core/error-store/error-store.js';
import type { SendResult, Socket } from '../core/types.js';
import { deliveryOf } from '../delivery/plugin.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { why } from '../protocol/why.js';
import { type RequestOptions, request } from '../request/request.js';
import type { DeliveryHandover } from './delivery-handover.js';
import { type FaultRouter, routeFaults } from './fault-routing.js';
import type { TabCore } from './tab-core.js';
import { type SharedVisibility, shareVisibility } from './visibility.js';
import type { Asker, Numbered, TabMessage, Work } from './wire.js';

/**
 * What work ended with: `reported`, the context, when the leader's socket stored its fault (the
 * asking tab stores it).
 */
export type Done = (value: unknown, fault?: Fault, reported?: FaultContext | null) => void;

/** A tab's leader part: idle while it follows. */
export interface Leader {
  /** Starts leading (the lock is held): opens the socket, runs the unsettled work first. */
  lead(): void;
  /** Stops leading: the socket closes quietly and the lock goes. */
  stepDown(): void;
  /**
   * Runs work on the leader's socket; `done` is not called if this tab stops leading first.
   * `given`: what the asker knows of an earlier leader's numbering of it.
   */
  perform(work: Work, asker: Asker, done: Done, given?: Numbered): void;
  /** Another tab handed work (again, maybe: it is run once). */
  onWork(message: Extract<TabMessage, { k: 'work' }>): void;
  onVisible(from: string, visible: boolean): void;
  /**
   * True while work waits for a resumed session's welcome: this tab's own sends and requests then
   * wait with the others' (handed to itself), so that none takes a new number first.
   */
  holding(): boolean;
  /** This tab's own request on the leader's socket: its reply and faults stay here. */
  own<T>(request: Promise<T>): Promise<T>;
  /** This tab's own send on the leader's socket: its faults stay here. */
  ownSend(result: SendResult): SendResult;
}

/** The leader part of a tab; `hooks` are the election's release and the unsettled work. */
export function createLeader(
  core: TabCore,
  hooks: {
    /** Called with the lock held, when this tab starts leading. */
    readonly started: (socket: Socket) => void;
    /** The lock is to go. */
    readonly release: () => void;
    readonly handover: DeliveryHandover;
  },
): Leader {
  const { parts, store, handlers } = core;
  const { handover } = hooks;
  /** What undoes the leader's subscriptions to its socket and store. */
  const leading: Array<() => void> = [];
  /** Other tabs' sends the leader's socket queued: answered when it has written them. */
  let waiting: Array<() => void> = [];
  /** Work of other tabs in progress here (so a repeat after a handover is not done twice). */
  const doing = new Set<string>();
  /** Work of other tabs done here: a repeat handed before the answer arrived is not run again. */
  const finished = new Set<string>();
  /** While leading: which tabs are on screen, behind the document the leader's socket watches. */
  let visibility: SharedVisibility | null = null;
  let router: FaultRouter | null = null;
  /**
   * Replies that settled a request run on the leader's socket, by request id: `here` for this
   * tab's own requests (its handlers get the reply), `handed` for work handed to the leader (the
   * tab that asked gets it with the result). Other envelopes go to every tab.
   */
  const answered = new Map<string, 'here' | 'handed'>();
  const noteReply = (envelope: Envelope, whose: 'here' | 'handed') => {
    const id = envelope.meta?.request_id;
    if (typeof id === 'string') answered.set(id, whose);
  };
  const faultOf = (error: unknown): Fault =>
    error instanceof FaultError ? error.fault : core.clientFault('request_aborted', String(error));
  /** A fault of this tab's own work: in this tab's store only, if the socket reported it. */
  const keep = (fault: Fault) => {
    const context = router?.claim(fault);
    if (context) store.getState().report(fault, context);
  };

  /**
   * Work held while a resumed session's welcome is awaited (nothing is written before it anyway),
   * then run in the order of the numbers earlier leaders gave it, new work last: a lower seq after
   * a higher one would be dropped by the server as a repeat, and an old leader's announcement or a
   * follower's re-hand can still be on its way over the channel when this tab starts leading.
   */
  let held: Array<{ readonly again: (given?: Numbered) => void; readonly numbered: () => number }> =
    [];
  const resuming = (socket: Socket) =>
    handover.resuming() && deliveryOf(socket).getSnapshot().mode === 'negotiating';
  const release = (socket: Socket) => {
    if (held.length === 0 || core.local !== socket || resuming(socket)) return;
    const due = held
      .map((entry, index) => ({ entry, index, seq: entry.numbered() }))
      .sort((a, b) => a.seq - b.seq || a.index - b.index);
    held = [];
    for (const { entry } of due) entry.again();
  };

  const perform: Leader['perform'] = (work, asker, done, given) => {
    const socket = core.local;
    if (!socket) return;
    if (resuming(socket)) {
      held.push({
        again: () => perform(work, asker, done, given),
        // Looked up when released: a late announcement may have told it meanwhile.
        numbered: () => (given ?? handover.prior(asker))?.seq ?? Number.POSITIVE_INFINITY,
      });
      return;
    }
    let over = false;
    const finish = (value: unknown, fault?: Fault) => {
      // Once: a replayed reply settles it, and the request it aborts then rejects.
      if (core.local !== socket || over) return;
      over = true;
      // A fault the socket stored goes to the asking tab's store, and no other.
      done(value, fault, fault === undefined ? null : (router?.claim(fault) ?? null));
    };
    const prior = given ?? handover.prior(asker);
    if (handover.stale(prior)) {
      // Numbered in the session the server replaced: it may have been processed there.
      over = true;
      return done(undefined, core.clientFault('session_changed', why('old_leader')), {});
    }
    if (work.kind === 'send') {
      const result = handover.numbered(asker, work, prior, () =>
        socket.send(work.type, work.data as never, work.meta),
      );
      if (result.status === 'rejected') return finish(undefined, result.fault);
      const value = { status: result.status };
      if (result.delivered) {
        // With delivery on, the work is done when the server acknowledged it.
        result.delivered.then(
          (delivered) => finish({ ...value, delivered }),
          (error: unknown) => finish(undefined, faultOf(error)),
        );
      } else if (result.status === 'queued') {
        // Not written yet: if this tab goes before it is, the asking tab still holds it.
        waiting.push(() => finish(value));
      } else finish(value);
      return;
    }
    const controller = new AbortController();
    const asked: RequestOptions = {
      signal: controller.signal,
      ...(work.timeoutMs === undefined ? {} : { timeoutMs: work.timeoutMs }),
      ...(work.retryOnReconnect === undefined ? {} : { retryOnReconnect: work.retryOnReconnect }),
    };
    handover
      .numbered(asker, work, prior, () => request(socket, work.type, work.data as never, asked))
      .then(
        (envelope) => {
          noteReply(envelope, 'handed');
          finish(envelope);
        },
        (error: unknown) => finish(undefined, faultOf(error)),
      );
    handover.awaitReply(prior, (envelope) => {
      // The reply to the frame as an old leader sent it (a replay): the work is done here.
      finish(envelope);
      controller.abort();
    });
  };

  /** An inbound envelope for every tab: posted to the others and given to this tab's handlers. */
  const share = (envelope: Envelope) => {
    core.post({ k: 'message', from: core.tab, envelope });
    if (handover.fresh(envelope)) handlers.emit(envelope);
  };

  const lead = () => {
    const shared = shareVisibility(parts.page?.document);
    visibility = shared;
    const { options } = parts;
    const environment =
      options.environment === false ? false : { ...options.environment, document: shared.document };
    const routed = routeFaults(
      core,
      (fault, origin) => {
        if (origin) core.origin = origin;
        store.getState().report(fault, { origin });
        core.post({ k: 'fault', from: core.tab, fault, context: { origin } });
      },
      (id) => store.getState().dismiss(id),
    );
    router = routed;
    const socket = parts.local(routed.store, environment, handover.plugin());
    core.local = socket;
    leading.push(
      () => {
        shared.stop();
        visibility = null;
        routed.stop();
        router = null;
      },
      deliveryOf(socket).subscribe(() => release(socket)),
      socket.subscribe(() => {
        release(socket);
        const next = socket.getSnapshot();
        core.post({ k: 'state', from: core.tab, snapshot: next, origin: '' });
        // The socket wrote its queue when it opened; a failed one never will (its faults say so).
        if (next.status === 'open' || next.status === 'failed') {
          const answers = waiting;
          waiting = [];
          for (const answer of answers) answer();
        }
        // The socket resolved its connection faults in its store: this tab's store follows.
        if (next.status === 'open' && core.snapshot.status !== 'open' && core.origin)
          store.getState().resolveConnection(core.origin);
        core.setSnapshot(next);
      }),
      socket.on('*', (envelope) => {
        handover.inbound(envelope);
        if (handover.claimReply(envelope)) return;
        if (typeof envelope.meta?.request_id !== 'string') return share(envelope);
        // The socket settles a request before its handlers see the reply, so the reaction that
        // notes the reply runs before this later one: then it is known whose reply it is.
        Promise.resolve().then(() => {
          const id = envelope.meta?.request_id ?? '';
          const whose = answered.get(id);
          answered.delete(id);
          if (whose === 'here') {
            if (handover.fresh(envelope)) handlers.emit(envelope);
          } else if (whose === undefined) share(envelope);
        });
      }),
      handover.lead(socket),
    );
    core.post({ k: 'leader', from: core.tab });
    hooks.started(socket);
    socket.connect();
    core.setSnapshot(socket.getSnapshot());
  };

  const stepDown = () => {
    const socket = core.local;
    if (!socket) return;
    core.local = null;
    for (const stop of leading.splice(0)) stop();
    waiting = [];
    // The asking tabs still hold it: they hand it to the next leader.
    held = [];
    doing.clear();
    socket.close();
    hooks.release();
  };

  return {
    lead,
    stepDown,
    perform,
    onWork(message) {
      if (!core.local) return;
      const key = `${message.from}:${message.id}`;
      if (doing.has(key) || finished.has(key)) return;
      doing.add(key);
      const asker = { tab: message.from, id: message.id };
      const done: Done = (value, fault, reported) => {
        doing.delete(key);
        finished.add(key);
        // Repeats come within a handover, not later: the last few hundred are enough.
        if (finished.size > 512) finished.delete(finished.values().next().value ?? '');
        handover.settled(asker);
        core.post({
          k: 'done',
          from: core.tab,
          to: message.from,
          id: message.id,
          value,
          ...(fault ? { fault } : {}),
          ...(reported ? { reported } : {}),
        });
      };
      perform(message.work, asker, done, message.numbered);
    },
    onVisible: (from, visible) => visibility?.set(from, visible),
    holding: () => core.local !== null && resuming(core.local),
    own(request) {
      request.then(
        (envelope) => noteReply(envelope as Envelope, 'here'),
        (error: unknown) => {
          if (error instanceof FaultError) keep(error.fault);
        },
      );
      return request;
    },
    ownSend(result) {
      if (result.status === 'rejected') keep(result.fault);
      else
        result.delivered?.catch((error: unknown) => {
          if (error instanceof FaultError) keep(error.fault);
        });
      return result;
    },
  };
}
