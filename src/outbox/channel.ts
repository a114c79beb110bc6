/**
 * What the app sees of a socket's durable outbox (`outboxOf(socket)`, `useOutbox()`): apart from
 * the outbox itself (`sockguard/outbox`), so that showing it costs a few bytes and an app that
 * never makes one ships none of its storage.
 */
import type { Fault } from '../protocol/fault.js';

/** A send an earlier page kept, as the app sees it after a reload. */
export interface KeptSend {
  /** Stable across reloads: what {@link OutboxChannel.discard} takes. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  /** Wall-clock ms when it was sent. */
  readonly at: number;
  /**
   * `pending` until its fate is known: `acknowledged` (processed once), `unconfirmed` (written
   * to a server that no longer speaks delivery: at most once), or `failed` with the fault (its
   * cause says whether it may have been processed).
   */
  readonly status: 'pending' | 'acknowledged' | 'unconfirmed' | 'failed';
  readonly fault?: Fault;
}

/** The outbox of a socket, as the UI sees it. A new object only when something changed. */
export interface OutboxSnapshot {
  /**
   * `off`: no outbox. `loading`: reading what was kept. `durable`: sends are kept on the device.
   * `not_durable`: they are not (the fault said why); sends still go, as without an outbox.
   */
  readonly status: 'off' | 'loading' | 'durable' | 'not_durable';
  /** The sends earlier pages kept, oldest first, with their fates as they settle. */
  readonly kept: readonly KeptSend[];
}

/** The outbox of a socket (`outboxOf(socket)`), for `useSyncExternalStore`. */
export interface OutboxChannel {
  getSnapshot(): OutboxSnapshot;
  subscribe(listener: () => void): () => void;
  /**
   * Gives up a kept send: not sent (again), forgotten on the device; its entry fails with a
   * `session_changed` fault saying whether it may have been processed already. False when it is
   * not pending. A settled entry is taken off the list.
   */
  discard(id: string): boolean;
  /** Gives up every pending kept send (as {@link discard}) and empties the list. */
  clear(): void;
}

const OFF: OutboxSnapshot = { status: 'off', kept: [] };

/** The channel of a socket without an outbox. */
export const NO_OUTBOX: OutboxChannel = {
  getSnapshot: () => OFF,
  subscribe: () => () => {},
  discard: () => false,
  clear: () => {},
};

const channels = new WeakMap<object, OutboxChannel>();

/** The outbox of a socket (made with `delivery({ outbox })`), or an `off` one. */
export const outboxOf = (socket: object): OutboxChannel => channels.get(socket) ?? NO_OUTBOX;

/** @internal The outbox made for `socket` shows itself here. */
export const showOutbox = (socket: object, channel: OutboxChannel): void => {
  channels.set(socket, channel);
};
