/**
 * Test-only: the server's side of the delivery wire (docs/protocol.md "Delivery") played by hand
 * over a {@link FakeWebSocket}: read the hello, answer it, acknowledge, push numbered messages.
 */

import type { SendResult } from '../../src/core/types.js';
import type { Delivered } from '../../src/delivery/ledger.js';
import type { FakeWebSocket } from './fake-websocket.js';

export type WireFrame = ReturnType<FakeWebSocket['frames']>[number];

/** The hello the client sent on `ws` (the last one, by default). */
export function helloOf(ws: FakeWebSocket): WireFrame {
  const frame = ws.frames().findLast((f) => f.type === 'sockguard.hello');
  if (!frame) throw new Error('no hello sent');
  return frame;
}

/** What a welcome may say; the defaults are a first session `s1` with secret `k1`. */
export interface WelcomeFields {
  readonly v?: number;
  readonly session?: string;
  readonly resumed?: boolean;
  readonly seq?: number;
  readonly acked?: number;
  readonly replay?: number;
  readonly reason?: string;
  /** `undefined` leaves the secret out (a malformed welcome). */
  readonly secret?: string | undefined;
}

/** Answers the hello of `ws` with a welcome. */
export function welcomeOn(ws: FakeWebSocket, fields: WelcomeFields = {}): void {
  ws.receive({
    type: 'sockguard.welcome',
    data: { v: 1, session: 's1', resumed: false, seq: 0, acked: 0, secret: 'k1', ...fields },
    meta: { request_id: helloOf(ws).meta?.request_id },
  });
}

export const ackOn = (ws: FakeWebSocket, seq: unknown): void =>
  ws.receive({ type: 'sockguard.ack', data: { seq } });

/** A numbered server message. */
export const pushOn = (ws: FakeWebSocket, seq: unknown, data: unknown = seq): void =>
  ws.receive({ type: 'news', data, meta: { seq } });

/** Application frames the client wrote on `ws` (no delivery control frames). */
export const appFramesOf = (ws: FakeWebSocket): WireFrame[] =>
  ws.frames().filter((f) => !f.type.startsWith('sockguard.'));

/** The receipt of a send that was not refused. */
export function receiptOf(result: SendResult | undefined): Promise<Delivered> {
  if (!result || result.status === 'rejected' || !result.delivered) throw new Error('no receipt');
  return result.delivered;
}

/** Whether a promise has settled, and how, without waiting for it. */
export function watch<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}
