/**
 * Routing by port and ids, never by timing: a send's or request's outcome and faults go to the
 * tab that asked, everything else (a close, a transport fault, an inbound message) to every tab
 * of the socket once.
 *
 * The ids: a tab's send is known by the frame the socket queued for it (the extension's
 * `outbound` hook sees the frame the call makes), its request by the request id the call stamped
 * (the same hook sees it), and a fault the socket reports while a tab's call runs is matched by
 * identity with the call's result. A reply is routed by its `request_id`.
 */

import {
  createErrorStore,
  type ErrorState,
  type ErrorStore,
  type FaultContext,
  type StoredFault,
} from '../core/error-store/error-store.js';
import { endedBy, type Frame, type Host } from '../core/extension.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import { why } from '../protocol/why.js';
import { type Asker, type HubContext, hears, type Shared } from './hub-context.js';

/** Finished requests remembered per socket, for a late fault that names one. */
const MAX_OWNERS = 1024;

/** The routing of a hub. */
export interface Routing {
  /** A fault to the tab whose request it names, or to every tab. */
  route(shared: Shared, fault: Fault, context: FaultContext): void;
  /** The store the socket of `shared` reports into: every report is routed, nothing is kept. */
  store(shared: Shared): ErrorStore;
  /**
   * Delivery fails the kept frame of a tab's send with `fault` (about to be reported): the fault
   * goes to that tab only (told by delivery/delivery.ts' `refused` observer).
   */
  refused(shared: Shared, frame: Frame, fault: Fault): void;
  /** Follows the frames and request ids of tabs' work on the socket of `shared`. */
  track(shared: Shared, host: Host): void;
  /** An inbound envelope: a reply to the tab that asked, anything else to every tab. */
  inbound(shared: Shared, envelope: Envelope): void;
  /**
   * Runs a socket call for a tab: what the socket reports meanwhile goes to that tab when `mine`
   * says it is the call's own, else is routed.
   */
  within<T>(
    asker: Asker,
    kind: 'send' | 'request',
    call: () => T,
    mine: (f: Fault, value: T | undefined) => boolean,
  ): T;
}

/** The routing of the hub of `ctx`. */
export function createRouting(ctx: HubContext): Routing {
  const { clock, send, everyone } = ctx;
  /** The tab a socket call runs for, and what the socket reported during it. */
  let current: Asker | null = null;
  let currentKind: 'send' | 'request' = 'send';
  let caught: Array<{ readonly fault: Fault; readonly context: FaultContext }> | null = null;
  /**
   * Faults the hub made for one piece of a tab's work (a queued send the socket failed), by
   * identity, with what settles the work once the fault is told.
   */
  const addressed = new Map<
    Fault,
    {
      readonly asker: Asker;
      readonly settle: () => void;
      /** A delivery send's: told to a tab the hub dropped too (its tab kept the send). */
      readonly kept?: true;
    }
  >();

  const route = (shared: Shared, f: Fault, context: FaultContext) => {
    const owner = f.requestId === undefined ? undefined : shared.owners.get(f.requestId);
    if (owner === undefined) return everyone(shared, { v: 1, t: 'fault', fault: f, context });
    // A fault of the request of a tab that left reaches no one.
    if (owner.tab.shared === shared) send(owner.tab, { v: 1, t: 'fault', fault: f, context });
  };

  return {
    route,
    refused(shared, frame, f) {
      const asker = shared.kept.get(frame);
      // Its receipt rejects with the fault, and settles the send in its tab (work.ts).
      if (asker) addressed.set(f, { asker, settle: () => {}, kept: true });
    },
    store(shared) {
      const store = createErrorStore({ clock });
      const actions: Pick<ErrorState, 'report' | 'resolveConnection' | 'dismiss'> = {
        report(f, context = {}) {
          const to = addressed.get(f);
          if (to) {
            // A fault this hub made for one tab's work: to that tab, then the work settles.
            addressed.delete(f);
            const { tab } = to.asker;
            if (to.kept ? hears(tab, shared) : tab.shared === shared)
              send(tab, { v: 1, t: 'fault', fault: f, context });
            to.settle();
          } else if (caught) caught.push({ fault: f, context });
          else route(shared, f, context);
          const at = clock.now();
          return { ...f, count: 1, firstAt: at, lastAt: at, expiresAt: null } as StoredFault;
        },
        resolveConnection(origin) {
          everyone(shared, { v: 1, t: 'resolve', origin });
        },
        dismiss(id) {
          everyone(shared, { v: 1, t: 'dismiss', id });
        },
      };
      return { ...store, getState: () => ({ ...store.getState(), ...actions }) };
    },
    track(shared, host) {
      let numbered = 0;
      const sent = (asker: Asker, f?: Fault) => {
        asker.tab.sends.delete(asker.id);
        if (asker.tab.shared === shared)
          send(asker.tab, { v: 1, t: 'sent', id: asker.id, ...(f ? { fault: f } : {}) });
      };
      host.use({
        outbound(meta) {
          const asker = current;
          if (asker === null) return undefined;
          if (currentKind === 'request') {
            const id = meta.request_id;
            if (typeof id === 'string') {
              shared.owners.set(id, asker);
              if (shared.owners.size > MAX_OWNERS)
                shared.owners.delete(shared.owners.keys().next().value as string);
            }
            return undefined;
          }
          return (frame: Frame) => {
            asker.frame = frame;
            // Numbered by delivery (its extension runs first): delivery settles it, its receipt
            // tells the tab (work.ts), its failures are addressed to the tab (`refused`).
            if (frame.seq !== undefined) return void shared.kept.set(frame, asker);
            // Otherwise the frame is this extension's to settle: the socket skips numbered frames
            // when it fails its queue, and the fault goes to the asking tab instead of every tab.
            // This number never goes on the wire.
            frame.seq = ++numbered;
            shared.frames.set(frame, asker);
            return undefined;
          };
        },
        written(frame) {
          const asker = shared.frames.get(frame);
          if (asker === undefined) return;
          shared.frames.delete(frame);
          sent(asker);
        },
        refused(frame) {
          // Refused at once (queue full): the call that made it answers the tab.
          shared.frames.delete(frame);
          shared.kept.delete(frame);
        },
        settle(stop, match) {
          for (const [frame, asker] of [...shared.frames]) {
            if (match && !match(frame, false)) continue;
            shared.frames.delete(frame);
            const f = host.fault({
              source: 'client',
              code: 'connection_closed',
              cause: why('not_sent', endedBy(stop)),
            });
            // Reported as the socket reports its own (after the step, in order), to this tab only.
            addressed.set(f, { asker, settle: () => sent(asker, f) });
            host.report(f);
          }
        },
      });
    },
    inbound(shared, envelope) {
      const id = envelope.meta?.request_id;
      if (typeof id !== 'string') return everyone(shared, { v: 1, t: 'message', envelope });
      // A reply to a request this worker does not know is nobody's message: a request made through
      // a worker that died (the session resumed from a durable outbox replays its reply), or one
      // forgotten past MAX_OWNERS. Told to every tab, it would reach tabs that never asked.
      const owner = shared.owners.get(id);
      if (owner === undefined) return;
      // A reply goes to the tab that asked, only while its request is pending there: a late one
      // (the request ended: timed out, aborted, its tab left or was dropped, even if it joined
      // again since) is nobody's message. An error envelope rejects the request through its
      // fault (routed by its request id), as in the core; it is told as a message, not a reply.
      const { tab, request } = owner;
      if (tab.shared !== shared || request === undefined || tab.requests.get(owner.id) !== request)
        return;
      if (envelope.type === 'error') return send(tab, { v: 1, t: 'message', envelope });
      request.replied = true;
      send(tab, { v: 1, t: 'message', envelope, reply: owner.id });
    },
    within(asker, kind, call, mine) {
      current = asker;
      currentKind = kind;
      caught = [];
      const shared = asker.tab.shared as Shared;
      let value: ReturnType<typeof call> | undefined;
      try {
        value = call();
        return value;
      } finally {
        const reported = caught;
        current = null;
        caught = null;
        for (const { fault: f, context } of reported) {
          if (mine(f, value)) send(asker.tab, { v: 1, t: 'fault', fault: f, context });
          else route(shared, f, context);
        }
      }
    },
  };
}
