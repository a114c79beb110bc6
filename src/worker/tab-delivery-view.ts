/**
 * Delivery's view in a tab of `shareTabs()` (issue 21: the same hooks in every tab): delivery runs
 * in the SharedWorker, which tells every tab its snapshot; `deliveryOf(socket)` and `useDelivery()`
 * show it here, and `endSession()` (a logout) asks the worker to end the session.
 */
import { type Mirror, type MirrorFail, mirror } from '../core/mirror.js';
import type { DeliverySnapshot } from '../delivery/delivery.js';
import { showDelivery } from '../delivery/plugin.js';

const MODES = ['off', 'negotiating', 'on', 'plain'];

/** A delivery snapshot as the worker sends it, checked (the worker is another party). */
const sound = (s: Partial<DeliverySnapshot> | undefined): boolean =>
  MODES.includes(s?.mode as string) &&
  (s?.session === null || typeof s?.session === 'string') &&
  typeof s.unacked === 'number' &&
  (s.recovery === null || typeof s.recovery?.at === 'number');

/** Shows the worker's delivery as the delivery of `socket`; `end` asks the worker to end the session. */
export function deliveryView(
  socket: object,
  end: () => void,
  fail: MirrorFail,
): Mirror<DeliverySnapshot> {
  // `off` until the worker tells (no import of delivery's books for it: a tab without delivery
  // never makes a view, yet ships this file).
  const off: DeliverySnapshot = { mode: 'off', session: null, unacked: 0, recovery: null };
  const view = mirror(off, sound, 'delivery', fail);
  showDelivery(socket, { getSnapshot: view.get, subscribe: view.subscribe, endSession: end });
  return view;
}
