/**
 * `delivery()`: acknowledged sends and resumable streams for one socket, as an extension the
 * socket knows nothing about (core/extension.ts). A function to import rather than a flag, so
 * apps that do not use delivery do not ship its code. The books and the checks of what the server
 * says are in `delivery.ts`; this file ties them to the socket's life: a hello on every open
 * (sends wait for the welcome, bounded by `helloTimeoutMs`), numbering on the way out, control
 * frames, duplicates and gaps on the way in, resends after a drop.
 */
import {
  type Extension,
  type ExtensionFactory,
  endedBy,
  type Frame,
  type Host,
} from '../core/extension.js';
import { why } from '../protocol/why.js';
import {
  createDelivery,
  type Delivery,
  type DeliveryAdoption,
  type DeliveryChannel,
  type DeliverySignal,
  NO_DELIVERY,
} from './delivery.js';
import type { NumberedFrame } from './ledger.js';
import { type DeliveryOptions, type ResolvedDelivery, resolveDelivery } from './options.js';
import type { DeliveryOutbox } from './store.js';

/** The brand of {@link DeliveryPlugin}: a type only (nothing reads it at run time, so none ships). */
declare const PLUGIN: unique symbol;

/** What `delivery()` returns: pass it as `createSocket({ delivery })`. */
export interface DeliveryPlugin extends ExtensionFactory {
  readonly [PLUGIN]: true;
  readonly options: ResolvedDelivery;
  /** The durable outbox asked for (`delivery({ outbox })`). */
  readonly outbox?: DeliveryOutbox;
}

/** The delivery state of each socket that has delivery, for `deliveryOf` and `useDelivery`. */
const channels = new WeakMap<object, DeliveryChannel>();

/**
 * The delivery state of a socket (unacknowledged sends, session, last recovery) for
 * `useSyncExternalStore`, and `endSession()` for a logout; an `off` channel for a socket without
 * delivery.
 */
export const deliveryOf = (socket: object): DeliveryChannel => channels.get(socket) ?? NO_DELIVERY;

/** @internal A socket whose delivery runs elsewhere (a tab of `shareTabs()`) shows it here. */
export const showDelivery = (socket: object, channel: DeliveryChannel): void =>
  void channels.set(socket, channel);

/**
 * Delivery for a server that speaks the extension (`sockguard/server` sessions; docs/protocol.md
 * "Delivery"): every send is numbered and kept until acknowledged, sent again after a reconnect;
 * server messages are resumed after the last one handlers saw. Options are checked here.
 *
 * ```ts
 * const socket = createSocket({ url, delivery: delivery({ ackTimeoutMs: 5000 }) });
 * ```
 */
export function delivery(options?: DeliveryOptions): DeliveryPlugin {
  return pluginOf(resolveDelivery(options), undefined, options?.outbox);
}

/**
 * @internal Delivery whose kept sends' failures are told to `adoption` first: the SharedWorker's
 * socket (worker/shared-socket.ts). A function of its own, not a method of the plugin: pages
 * never ship it.
 */
export function adoptedDelivery(
  options: DeliveryOptions,
  adoption: DeliveryAdoption,
): DeliveryPlugin {
  return pluginOf(resolveDelivery(options), adoption, options.outbox);
}

function pluginOf(
  resolved: ResolvedDelivery,
  adoption?: DeliveryAdoption,
  outbox?: DeliveryOutbox,
): DeliveryPlugin {
  return {
    options: resolved,
    ...(outbox ? { outbox } : {}),
    gates: true,
    create: (host: Host) => extend(host, resolved, adoption, outbox),
  } as DeliveryPlugin;
}

const numbered = (frame: Frame): frame is NumberedFrame => frame.seq !== undefined;

function extend(
  host: Host,
  options: ResolvedDelivery,
  adoption?: DeliveryAdoption,
  outbox?: DeliveryOutbox,
): Extension {
  const { clock } = host;
  let hello: unknown;
  const stopHello = () => {
    if (hello !== undefined) clock.clearTimeout(hello);
    hello = undefined;
  };
  const client = host.fault;
  const signal = (s: DeliverySignal) => {
    if (s.type === 'ack-timeout') {
      const cause = why('no_ack', options.ackTimeoutMs);
      return host.drop(client({ source: 'transport', code: 'ack_timeout', cause }), true);
    }
    stopHello();
    // Nothing this connection said is believed any more: leave it, retried by the policy.
    if (s.type === 'delivery-failed') return host.drop(s.fault, false);
    if (s.type === 'plain') d.plain();
    host.ready(s.type === 'welcome' ? (s.fault ?? undefined) : undefined);
  };
  const d: Delivery = createDelivery({
    options,
    clock,
    elapsed: host.elapsed,
    reporter: {
      report: host.report,
      client: (code, cause, requestId) => client({ source: 'client', code, cause, requestId }),
      isolate: host.isolate,
      conceal: host.conceal,
    },
    signal,
    unqueue: (frame) => host.unqueue(frame),
    // The replies of requests the server processed in a session that is gone: their requests
    // fail (request/response settles what this names, by frame).
    rejectRequests: (match, fault) =>
      host.settle(fault, (frame, sent) => sent && match(frame?.seq)),
    // The session ended under a connection (`endSession()`): it is left, and the next one starts
    // a new session.
    leave() {
      const { status } = host.snapshot();
      if (status === 'open' || status === 'connecting') host.socket.reconnect();
    },
    ...(adoption ? { adoption } : {}),
    requeue: (frames) => host.requeue(frames),
    store: outbox?.create(host),
  });
  channels.set(host.socket, d);
  return {
    open() {
      if (!d.active) return host.ready();
      d.hello((text) => host.write(text));
      // Late is not plain (a slow session store): a failed attempt, retried with backoff.
      hello = clock.setTimeout(() => {
        hello = undefined;
        const cause = why('no_welcome', options.helloTimeoutMs);
        host.drop(client({ source: 'transport', code: 'hello_timeout', cause }), false);
      }, options.helloTimeoutMs);
    },
    inbound: (envelope) => (d.inbound(envelope) ? null : undefined),
    outbound(meta) {
      const requestId = typeof meta.request_id === 'string' ? meta.request_id : undefined;
      const full = d.overflow(requestId);
      if (full) return full;
      const seq = d.number();
      // A plain server gets no number: the books keep the send (its receipt) all the same.
      if (d.active) meta.seq = seq;
      // A request's promise is its receipt; a send gets one.
      return (frame) => {
        frame.seq = seq;
        return d.track(frame as NumberedFrame, requestId === undefined);
      };
    },
    written(frame) {
      if (numbered(frame)) d.written(frame);
    },
    refused(frame) {
      if (numbered(frame)) d.forget(frame.seq);
    },
    closed(_dead, stop) {
      stopHello();
      if (!d.active) return undefined;
      // Stopping: `settle` tells each kept send its fate; otherwise every one goes again.
      return stop ? [] : d.lift();
    },
    settle(fault, match) {
      // Only a stop settles delivery's books: what another extension names is its own work.
      if (match) return;
      stopHello();
      const { status } = host.snapshot();
      d.discardAll(endedBy(fault), status === 'closed' || status === 'failed');
    },
  };
}
