/**
 * `delivery()`: acknowledged sends and resumable streams for one socket, as an extension the
 * socket knows nothing about (core/extension.ts). A function to import rather than a flag, so
 * apps that do not use delivery do not ship its code. The books are in `delivery.ts`; this file
 * ties them to the socket's life: a hello on every open (sends wait for the welcome), numbering
 * on the way out, control frames and duplicates on the way in, resends after a drop.
 */
import type { Extension, ExtensionFactory, Host } from '../core/extension.js';
import type { Socket } from '../core/types.js';
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

const PLUGIN: unique symbol = Symbol('sockguard.delivery');

/** What `delivery()` returns: pass it as `createSocket({ delivery })`. */
export interface DeliveryPlugin extends ExtensionFactory {
  readonly [PLUGIN]: true;
  readonly options: ResolvedDelivery;
  /**
   * @internal The same delivery, for a socket that takes over a session another socket ran (the
   * new leader of the tabs sharing one connection): it resumes that session (hello with its name
   * and the last seq seen) and numbers new sends after the old socket's.
   */
  readonly adopt: (adoption: DeliveryAdoption) => DeliveryPlugin;
}

/** The delivery state of each socket that has delivery, for `deliveryOf` and `useDelivery`. */
const channels = new WeakMap<object, DeliveryChannel>();

/**
 * The delivery state of a socket (unacknowledged sends, session, last recovery), for
 * `useSyncExternalStore`; a constant `off` channel for a socket without delivery.
 */
export const deliveryOf = (socket: object): DeliveryChannel => channels.get(socket) ?? NO_DELIVERY;

/** @internal A socket that mirrors another's delivery state (a follower tab) shows it here. */
export const showDelivery = (socket: Socket, channel: DeliveryChannel): void => {
  channels.set(socket, channel);
};

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
  return pluginOf(resolveDelivery(options));
}

function pluginOf(resolved: ResolvedDelivery, adoption?: DeliveryAdoption): DeliveryPlugin {
  return {
    [PLUGIN]: true,
    options: resolved,
    gates: true,
    create: (host) => extend(host, resolved, adoption),
    adopt: (next) => pluginOf(resolved, next),
  };
}

function extend(host: Host, options: ResolvedDelivery, adoption?: DeliveryAdoption): Extension {
  const { clock } = host;
  let hello: unknown;
  const stopHello = () => {
    if (hello !== undefined) clock.clearTimeout(hello);
    hello = undefined;
  };
  const signal = (s: DeliverySignal) => {
    if (s.type === 'ack-timeout') {
      const cause = `a send got no acknowledgement within ${options.ackTimeoutMs} ms`;
      return host.drop(host.fault({ source: 'transport', code: 'ack_timeout', cause }), true);
    }
    stopHello();
    if (s.type === 'plain') d.plain();
    host.ready(s.type === 'welcome' ? (s.resync ?? undefined) : undefined);
  };
  const d: Delivery = createDelivery({
    options,
    clock,
    elapsed: host.elapsed,
    reporter: {
      report: host.report,
      client: (code, cause, requestId) => host.fault({ source: 'client', code, cause, requestId }),
      isolate: host.isolate,
    },
    signal,
    unqueue: (frame) => host.unqueue(frame),
    flush: host.flush,
    ...(adoption ? { adoption } : {}),
  });
  channels.set(host.socket, d);
  const numbered = (frame: { readonly seq?: number }): frame is NumberedFrame =>
    frame.seq !== undefined;
  return {
    open() {
      if (!d.active) return host.ready();
      d.hello((text) => host.write(text));
      // No welcome in time: the server does not speak delivery.
      hello = clock.setTimeout(() => {
        hello = undefined;
        signal({ type: 'plain' });
      }, options.helloTimeoutMs);
    },
    inbound: (envelope) => (d.inbound(envelope) ? null : undefined),
    outbound(meta) {
      const seq = d.number();
      if (seq === undefined) return undefined;
      meta.seq = seq;
      // A request's promise is its receipt; a send gets one.
      const receipt = meta.request_id === undefined;
      return (frame) => (numbered(frame) ? d.track(frame, receipt) : undefined);
    },
    held: (frame) => numbered(frame) && d.held(frame.seq),
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
    settle(fault) {
      stopHello();
      d.discardAll(fault.detail.cause ?? fault.message);
    },
  };
}

/** True for what `delivery()` returned. */
export const isDeliveryPlugin = (value: unknown): value is DeliveryPlugin =>
  typeof value === 'object' && value !== null && PLUGIN in value;
