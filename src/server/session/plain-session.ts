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
  readonly principal: string | undefined;
  readonly delivery = false;
  readonly seq = 0;
  readonly acked = 0;
  private readonly inbound = new SerialQueue();

  constructor(
    private readonly context: LayerContext<S>,
    private readonly connection: Connection<S>,
  ) {
    this.principal = connection.principal === '' ? undefined : connection.principal;
  }

  /** Whether frames may still be written (not after a limit closed the connection). */
  private get writable(): boolean {
    return this.connection.mode !== 'done';
  }

  get connected(): boolean {
    return !this.connection.closed;
  }

  send(type: string, data?: unknown, meta?: WireMeta): Promise<undefined> {
    if (this.writable && sendEnvelope(this.connection.socket, type, data, meta)) {
      this.connection.checkBuffered();
    }
    return NOTHING;
  }

  reply(request: Envelope, type: string, data?: unknown): Promise<undefined> {
    return this.send(type, data, replyMeta(request));
  }

  sendError(code: number, message: string, options?: ErrorEnvelopeOptions): Promise<undefined> {
    if (this.writable && sendError(this.connection.socket, code, message, options)) {
      this.connection.checkBuffered();
    }
    return NOTHING;
  }

  closeWithError(code: number, message: string, options?: CloseWithErrorOptions): Promise<void> {
    if (this.writable) closeWithError(this.connection.socket, code, message, options);
    return NOTHING;
  }

  close(code?: number, reason?: string): void {
    this.connection.close(code, reason);
  }

  detach(): void {
    this.context.ended(this);
  }

  enqueue(item: Inbound, connection: Connection<S>): void {
    const handled = connection.queued(item.size);
    void this.inbound
      .run(() =>
        // Draining: a plain client is at most once, so a frame not started is not started at all.
        this.context.draining
          ? undefined
          : handleInbound(this.context, this, connection.socket, item),
      )
      .then(handled, handled);
  }

  /** For `drain()`: settles once the frame being handled (if any) is done. */
  async settle(): Promise<void> {
    await this.inbound.run(() => {});
  }
}
