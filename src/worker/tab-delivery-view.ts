/**
 * Delivery's view in a tab of `shareTabs()` (issue 21: the same hooks in every tab): delivery runs
 * in the SharedWorker, which tells every tab its snapshot; `deliveryOf(socket)` and `useDelivery()`
 * show it here, and `endSession()` (a logout) asks the worker to end the session.
 */
import { type Mirror, type MirrorFail, mirror } from '../core/mirror.js';
import type { DeliverySnapshot } from '../delivery/delivery.js';
import { showDelivery } from '../delivery/plugin.js';
import type { Envelope } from '../protocol/envelope.js';
import { NUMBER, oneOf, orNull, STRING, shape } from './wire-check.js';

/** A delivery snapshot as the worker sends it (the worker is another party): wire.ts's checker. */
const SNAPSHOT = shape({
  mode: oneOf('off', 'negotiating', 'on', 'plain'),
  session: orNull(STRING),
  unacked: NUMBER,
  recovery: orNull(shape({ at: NUMBER })),
});
const sound = (value: unknown) => SNAPSHOT(value) === undefined;

/** Delivery's view in a tab, and its check of what the worker hands the handlers. */
export interface DeliveryView extends Mirror<DeliverySnapshot> {
  /**
   * False for a numbered message this tab's handlers had already (same session, seq not above the
   * last one they got): a new worker that resumed the session from a durable outbox replays from
   * the highest seq the outbox kept, which may lag what the tabs got from the worker that died.
   */
  fresh(envelope: Envelope): boolean;
}

/** Shows the worker's delivery as the delivery of `socket`; `end` asks the worker to end the session. */
export function deliveryView(socket: object, end: () => void, fail: MirrorFail): DeliveryView {
  // `off` until the worker tells (no import of delivery's books for it: a tab without delivery
  // never makes a view, yet ships this file).
  const off: DeliverySnapshot = { mode: 'off', session: null, unacked: 0, recovery: null };
  const view = mirror(off, sound, 'delivery', fail);
  showDelivery(socket, { getSnapshot: view.get, subscribe: view.subscribe, endSession: end });
  let session: string | null = null;
  let last = 0;
  return {
    ...view,
    fresh(envelope) {
      const seq = envelope.meta?.seq;
      if (typeof seq !== 'number') return true;
      const now = view.get().session;
      if (now === session && seq <= last) return false;
      session = now;
      last = seq;
      return true;
    },
  };
}
