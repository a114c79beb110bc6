/**
 * A delivery session (docs/protocol.md, "Delivery"): numbers and keeps what the app sends,
 * drops and re-acks duplicate client frames, batches cumulative acks, and outlives its
 * connections for `sessionTtlMs`.
 *
 * Two queues keep the order when store calls are asynchronous. `outbound` runs every store call
 * that touches the counter or the history (append, and a hello's open + welcome + replay), so a
 * live frame can never slip between the replay and the attach of a new connection. `inbound` runs
 * client frames one after the other, the app's Promise included. Inbound tasks may wait for
 * outbound ones (a hello does), never the reverse, so an `onMessage` awaiting `send` cannot
 * deadlock.
 */
import { closeCodeForAppCode } from '../../protocol/app-codes.js';
import { ackFrame, seqOf } from '../../protocol/delivery.js';
import type { Envelope, WireMeta } from '../../protocol/envelope.js';
import { buildErrorEnvelope, type ErrorEnvelopeOptions } from '../envelope.js';
import { truncateCloseReason } from '../reason.js';
import type { CloseWithErrorOptions } from '../send.js';
import type { Connection, FrameSink } from './connection.js';
import { type HeldSession, type LayerContext, startTimer, stopTimer } from './context.js';
import { type FrameEncoder, frameEncoder } from './frame-text.js';
import { handleInbound, type Inbound, RESERVED_PREFIX, replyMeta } from './inbound.js';
import { SerialQueue } from './serial-queue.js';
import type { SessionSocket } from './types.js';

const NOTHING = Promise.resolve(undefined);

/** Control frames: never numbered, never kept, written to the live connection only. */
const isControlType = (type: string): boolean =>
  type === 'pong' || type.startsWith(RESERVED_PREFIX);

/** A delivery session held by this instance. */
export class DeliverySession<S extends SessionSocket> implements HeldSession, FrameSink<S> {
  readonly delivery = true;
  seq = 0;
  acked = 0;
  /** The live connection. */
  connection: Connection<S> | undefined;
  /** Forgotten (expired, unknown to the store, or the layer closed): sends resolve undefined. */
  dead = false;
  exposed = false;
  readonly inbound = new SerialQueue();
  readonly outbound = new SerialQueue();
  private ackTimer: unknown;
  private ttlTimer: unknown;

  constructor(
    readonly id: string,
    private readonly context: LayerContext<S>,
  ) {}

  get connected(): boolean {
    return this.connection !== undefined;
  }

  send(type: string, data?: unknown, meta?: WireMeta): Promise<number | undefined> {
    let encode: FrameEncoder;
    try {
      encode = frameEncoder(type, data, meta);
    } catch (error) {
      this.context.report('encode', 'send', error, this.id);
      return NOTHING;
    }
    if (isControlType(type)) {
      this.connection?.write(encode());
      return NOTHING;
    }
    if (this.dead) return NOTHING;
    return this.outbound.run(() => this.number(encode));
  }

  reply(request: Envelope, type: string, data?: unknown): Promise<number | undefined> {
    return this.send(type, data, replyMeta(request));
  }

  sendError(
    code: number,
    message: string,
    options?: ErrorEnvelopeOptions,
  ): Promise<number | undefined> {
    const envelope = buildErrorEnvelope(code, message, options);
    return this.send(envelope.type, envelope.data, envelope.meta);
  }

  closeWithError(code: number, message: string, options?: CloseWithErrorOptions): Promise<void> {
    void this.sendError(code, message, options);
    const closeCode = closeCodeForAppCode(options?.closeCode ?? code);
    return this.closeAfterSends(closeCode, truncateCloseReason(options?.reason ?? message));
  }

  close(code?: number, reason?: string): void {
    void this.closeAfterSends(code, reason);
  }

  private closeAfterSends(code: number | undefined, reason: string | undefined): Promise<void> {
    return this.outbound.run(() => this.connection?.close(code, reason));
  }

  /** Numbers one frame in the store and writes it; on a store failure writes it unnumbered. */
  private async number(encode: FrameEncoder): Promise<number | undefined> {
    if (this.dead) return undefined;
    let text: string | undefined;
    const appended = await this.context.attempt(this.id, 'append', () =>
      this.context.store.append(this.id, (seq) => {
        text = encode(seq);
        return text;
      }),
    );
    if (!appended.ok) {
      // Live traffic goes on without the store: at most once for this frame, no hole in the seqs.
      this.connection?.write(encode());
      return undefined;
    }
    const seq = appended.value;
    if (seq > this.seq) this.seq = seq;
    this.connection?.write(text ?? encode(seq));
    return seq;
  }

  enqueue(item: Inbound, connection: Connection<S>): void {
    void this.inbound.run(() => this.process(item, connection));
  }

  /** One client frame: a duplicate is re-acked, anything else handled, then counted as processed. */
  private process(item: Inbound, connection: Connection<S>): void | Promise<void> {
    const seq = item.ok ? seqOf(item.envelope) : undefined;
    if (seq !== undefined && seq <= this.acked) {
      this.scheduleAck();
      return;
    }
    const handled = handleInbound(this.context, this, connection, item);
    if (seq === undefined) return handled;
    if (handled === undefined) return this.processed(seq);
    return handled.then(() => this.processed(seq));
  }

  private processed(seq: number): void {
    if (seq > this.acked) {
      this.acked = seq;
      const { id, context } = this;
      // Not awaited: the store keeps the highest value, and the next frame need not wait for it.
      void context.attempt(id, 'setAcked', () => context.store.setAcked(id, seq));
    }
    this.scheduleAck();
  }

  private scheduleAck(): void {
    if (this.ackTimer !== undefined || this.dead) return;
    this.ackTimer = startTimer(() => {
      this.ackTimer = undefined;
      this.writeAck();
    }, this.context.ackDelayMs);
  }

  private writeAck(): void {
    if (this.acked > 0) this.connection?.write(ackFrame(this.acked));
  }

  /**
   * Gives the session to `connection` (the caller writes the welcome right after, in the same
   * step). An older connection is closed with 1000: one connection per session. A connection that
   * closed while its hello was answered is not attached; the session starts its TTL instead.
   */
  attach(connection: Connection<S>): void {
    this.exposed = true;
    if (connection.closed) {
      if (this.connection === undefined) this.startExpiry();
      return;
    }
    stopTimer(this.ttlTimer);
    this.ttlTimer = undefined;
    const older = this.connection;
    this.connection = connection;
    connection.session = this;
    if (older !== undefined && older !== connection) {
      older.close(1000, 'Replaced by a newer connection');
    }
  }

  /** Its connection closed: the session waits `sessionTtlMs` for a resume. */
  detach(connection: Connection<S>): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    if (!this.dead && !this.context.closed) this.startExpiry();
  }

  private startExpiry(): void {
    const { id, context } = this;
    const ttl = context.sessionTtlMs;
    stopTimer(this.ttlTimer);
    this.ttlTimer = startTimer(() => {
      this.ttlTimer = undefined;
      if (this.connection === undefined) this.end();
    }, ttl);
    void this.outbound.run(() =>
      context.attempt(id, 'expire', () => context.store.expire(id, ttl)),
    );
  }

  /** Forgets the session here (the store forgets it by its own expiry) and tells the app. */
  end(): void {
    if (this.dead) return;
    this.dead = true;
    stopTimer(this.ttlTimer);
    stopTimer(this.ackTimer);
    this.ttlTimer = undefined;
    this.ackTimer = undefined;
    if (this.context.sessions.get(this.id) === this) this.context.sessions.delete(this.id);
    const connection = this.connection;
    this.connection = undefined;
    connection?.close(1000, 'Session ended');
    if (this.exposed) this.context.ended(this);
  }

  shutdown(): void {
    if (this.ackTimer !== undefined) {
      stopTimer(this.ackTimer);
      this.ackTimer = undefined;
      this.writeAck();
    }
    stopTimer(this.ttlTimer);
    this.ttlTimer = undefined;
    this.dead = true;
    if (this.connection !== undefined) {
      const { id, context } = this;
      void context.attempt(id, 'expire', () => context.store.expire(id, context.sessionTtlMs));
    }
  }
}
