/**
 * The session of a client that does not speak the delivery extension: one connection, frames
 * written as they are with the `sockguard/server` helpers (nothing numbered, nothing kept), so an
 * old client sees exactly what it saw before the layer existed.
 */
import type { Envelope, WireMeta } from '../../protocol/envelope.js';
import type { ErrorEnvelopeOptions } from '../envelope.js';
import { type CloseWithErrorOptions, closeWithError, sendEnvelope, sendError } from '../send.js';
import type { Connection, FrameSink } from './connection.js';
import type { LayerContext } from './context.js';
import { handleInbound, type Inbound, replyMeta } from './inbound.js';
import { SerialQueue } from './serial-queue.js';
import type { Session, SessionSocket } from './types.js';

const NOTHING = Promise.resolve(undefined);

/** A plain client's session. */
export class PlainSession<S extends SessionSocket> implements Session, FrameSink<S> {
  readonly id = undefined;
  readonly delivery = false;
  readonly seq = 0;
  readonly acked = 0;
  private readonly inbound = new SerialQueue();

  constructor(
    private readonly context: LayerContext<S>,
    private readonly connection: Connection<S>,
  ) {}

  get connected(): boolean {
    return !this.connection.closed;
  }

  send(type: string, data?: unknown, meta?: WireMeta): Promise<undefined> {
    sendEnvelope(this.connection.socket, type, data, meta);
    return NOTHING;
  }

  reply(request: Envelope, type: string, data?: unknown): Promise<undefined> {
    return this.send(type, data, replyMeta(request));
  }

  sendError(code: number, message: string, options?: ErrorEnvelopeOptions): Promise<undefined> {
    sendError(this.connection.socket, code, message, options);
    return NOTHING;
  }

  closeWithError(code: number, message: string, options?: CloseWithErrorOptions): Promise<void> {
    closeWithError(this.connection.socket, code, message, options);
    return NOTHING;
  }

  close(code?: number, reason?: string): void {
    this.connection.close(code, reason);
  }

  detach(): void {
    this.context.ended(this);
  }

  enqueue(item: Inbound, connection: Connection<S>): void {
    void this.inbound.run(() =>
      // Draining: a plain client is at most once, so a frame not started is not started at all.
      this.context.draining ? undefined : handleInbound(this.context, this, connection, item),
    );
  }

  /** For `drain()`: settles once the frame being handled (if any) is done. */
  async settle(): Promise<void> {
    await this.inbound.run(() => {});
  }
}
