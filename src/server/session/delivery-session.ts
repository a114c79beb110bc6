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
 *
 * With a store shared by several instances (one with `subscribe`), the connection's frames go
 * through a {@link LiveFeed}: frames numbered here and on other instances are written once each,
 * in `seq` order, and a later claim of the session elsewhere ends it here.
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
import {
  isUncertain,
  isUnknownSession,
  type SessionBinding,
  type Unsubscribe,
} from './history-store.js';
import {
  handleInbound,
  type Inbound,
  RESERVED_PREFIX,
  replyMeta,
  requestOption,
} from './inbound.js';
import type { LiveFeed } from './live-feed.js';
import { SerialQueue } from './serial-queue.js';
import type { SessionSocket } from './types.js';

const NOTHING = Promise.resolve(undefined);

/** 1012: the client reconnects at once, resumes, and is told the session is gone. */
const FORGOTTEN = { code: 1012, reason: 'Session forgotten by the store: resume' } as const;

/** Control frames: never numbered, never kept, written to the live connection only. */
export const isControlType = (type: string): boolean =>
  type === 'pong' || type.startsWith(RESERVED_PREFIX);

/** A connection's subscription to its session's frames (stores with `subscribe`). */
export interface Subscription {
  readonly feed: LiveFeed;
  readonly unsubscribe: Unsubscribe;
}

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
  /** The token of this instance's latest claim of the session (`owner` in the store). */
  claim = '';
  readonly inbound = new SerialQueue();
  readonly outbound = new SerialQueue();
  private ackTimer: unknown;
  private ttlTimer: unknown;
  /** The `setAcked` store writes not settled yet: `drain()` waits for them. */
  private ackWrites: Promise<unknown> = NOTHING;
  private subscription: Subscription | undefined;

  constructor(
    readonly id: string,
    private readonly context: LayerContext<S>,
    /**
     * Who the session belongs to and its secret's hash: known once it was created here or a
     * resume proved it against the store; `undefined` for the placeholder of a hello still opening
     * a session held elsewhere (the store then decides).
     */
    public binding?: SessionBinding,
  ) {}

  get connected(): boolean {
    return this.connection !== undefined;
  }

  get principal(): string | undefined {
    const principal = this.binding?.principal;
    return principal === '' ? undefined : principal;
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
    return this.outbound.run(() => {
      // A batched ack still waiting for its timer goes out first: without it the client would
      // send frames this server already processed again to the next instance.
      this.flushAck();
      this.connection?.close(code, reason);
    });
  }

  /** Writes the ack the batching timer holds back, now. */
  private flushAck(): void {
    if (this.ackTimer === undefined) return;
    stopTimer(this.ackTimer);
    this.ackTimer = undefined;
    this.writeAck();
  }

  /** Numbers one frame in the store and writes it; on a store failure writes it unnumbered. */
  private async number(encode: FrameEncoder): Promise<number | undefined> {
    if (this.dead) return undefined;
    // The store may call the encoder more than once (the Redis store splits the text around the
    // seq): keep the text of the seq it returns, not of the last call.
    let text: string | undefined;
    let textSeq = 0;
    const appended = await this.context.attempt(
      this.id,
      'append',
      () =>
        this.context.store.append(this.id, (seq) => {
          text = encode(seq);
          textSeq = seq;
          return text;
        }),
      isUnknownSession,
    );
    if (!appended.ok) {
      // The store no longer knows the session (a Redis restarted empty, say): end it here, so its
      // client resumes at once and is told (unknown_session) instead of staying on a session
      // whose sends are never numbered again.
      if (isUnknownSession(appended.error)) {
        this.end(FORGOTTEN.reason, FORGOTTEN.code);
        return undefined;
      }
      // It may have been numbered all the same (a timeout): then it comes through the feed, and
      // an unnumbered copy would reach the client's handlers twice.
      if (this.subscription !== undefined && isUncertain(appended.error)) return undefined;
      // Live traffic goes on without the store: at most once for this frame, no hole in the seqs.
      this.connection?.write(encode());
      return undefined;
    }
    const seq = appended.value;
    if (seq > this.seq) this.seq = seq;
    const frame = text !== undefined && textSeq === seq ? text : encode(seq);
    if (this.subscription !== undefined) this.subscription.feed.offer(seq, frame);
    else this.connection?.write(frame);
    return seq;
  }

  enqueue(item: Inbound, connection: Connection<S>): void {
    const handled = connection.queued(item.size);
    void this.inbound.run(() => this.process(item, connection)).then(handled, handled);
  }

  /** One client frame: a duplicate is re-acked, anything else handled, then counted as processed. */
  private process(item: Inbound, connection: Connection<S>): void | Promise<void> {
    // Ended, shut down or draining: the client sends unacknowledged frames again to whoever holds
    // the session now, which processes them once (processing them here could process them twice).
    if (this.dead || this.context.draining) return;
    if (item.ok && item.envelope.meta?.seq !== undefined && !this.plausible(item.envelope)) {
      void this.sendError(
        4000,
        `Bad request: meta.seq must be a positive safe integer at most ${this.context.maxSeqAhead} above the last acknowledged`,
        requestOption(item.envelope.meta?.request_id),
      );
      return;
    }
    const seq = item.ok ? seqOf(item.envelope) : undefined;
    if (seq !== undefined && seq <= this.acked) {
      this.scheduleAck();
      return;
    }
    const handled = handleInbound(this.context, this, connection.socket, item);
    if (seq === undefined) return handled;
    if (handled === undefined) return this.processed(seq);
    return handled.then(() => this.processed(seq));
  }

  /**
   * A client's `meta.seq` is a positive safe integer no further than `maxSeqAhead` above `acked`:
   * anything else is refused unprocessed, so a frame cannot make `acked` jump to where every later
   * send of the client would count as a duplicate (or past 2^53, where numbers stop being exact).
   */
  private plausible(envelope: Envelope): boolean {
    const seq = seqOf(envelope);
    return seq !== undefined && seq <= this.acked + this.context.maxSeqAhead;
  }

  private processed(seq: number): void {
    // The session died while the frame was handled (the layer closed): its reply, if any, was not
    // kept, so the frame must not count as processed either, or the next instance would welcome
    // the client with it acknowledged and the request would wait for a reply that is gone. The
    // client sends it again there (at least once: the handler may run twice).
    if (this.dead) return;
    if (seq > this.acked) {
      this.acked = seq;
      const { id, context } = this;
      // Not awaited: the store keeps the highest value, and the next frame need not wait for it.
      // `drain()` does wait: the next instance must welcome the client with this `acked`.
      const write = context.attempt(id, 'setAcked', () => context.store.setAcked(id, seq));
      this.ackWrites = Promise.all([this.ackWrites, write]);
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
  attach(connection: Connection<S>, claim: string, subscription?: Subscription): void {
    this.exposed = true;
    // The store's latest claim is this one now, whichever connection keeps the session here.
    this.claim = claim;
    if (!connection.live) {
      subscription?.feed.stop();
      subscription?.unsubscribe();
      if (this.connection === undefined) this.startExpiry();
      return;
    }
    stopTimer(this.ttlTimer);
    this.ttlTimer = undefined;
    const older = this.connection;
    this.dropSubscription();
    this.connection = connection;
    this.subscription = subscription;
    connection.session = this;
    if (older !== undefined && older !== connection) {
      older.close(1000, 'Replaced by a newer connection');
    }
  }

  /** Its connection closed: the session waits `sessionTtlMs` for a resume. */
  detach(connection: Connection<S>): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.dropSubscription();
    if (!this.dead && !this.context.closed) this.startExpiry();
  }

  /** The welcome and replay went out up to `seq`: the live feed (if any) starts after it. */
  started(seq: number): void {
    this.subscription?.feed.start(seq);
  }

  /** What the live feed of `connection` asks for; nothing once it is not the session's connection. */
  feedOwner(connection: Connection<S>) {
    const current = () => this.connection === connection && !this.dead;
    return {
      write: (text: string) => {
        if (current()) connection.write(text);
      },
      wrote: (seq: number) => {
        if (seq > this.seq) this.seq = seq;
      },
      // 1012 (service restart): the client reconnects at once and resumes from the history.
      resume: (reason: string) => {
        if (current()) connection.close(1012, reason);
      },
      // Claimed later by a connection elsewhere: this instance lets the session go (the claim's
      // owner expires it when its turn comes; an expire from here would be stale).
      superseded: () => {
        if (current()) this.end('Session resumed on another connection');
      },
      forgotten: () => {
        if (current()) this.end(FORGOTTEN.reason, FORGOTTEN.code);
      },
    };
  }

  private dropSubscription(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription === undefined) return;
    subscription.feed.stop();
    subscription.unsubscribe();
  }

  private startExpiry(): void {
    const { id, context } = this;
    const ttl = context.sessionTtlMs;
    stopTimer(this.ttlTimer);
    this.ttlTimer = startTimer(() => {
      this.ttlTimer = undefined;
      if (this.connection === undefined) this.end();
    }, ttl);
    const claim = this.claim;
    void this.outbound.run(() =>
      context.attempt(id, 'expire', () =>
        context.store.expire(id, context.sessionRetainMs, claim, ttl),
      ),
    );
  }

  /** Forgets the session here (the store forgets it by its own expiry) and tells the app. */
  end(reason = 'Session ended', code = 1000): void {
    if (this.dead) return;
    // Frames processed in this session are acked before it goes: the client reports them done
    // rather than refused when it finds the session gone.
    this.flushAck();
    this.dead = true;
    stopTimer(this.ttlTimer);
    this.ttlTimer = undefined;
    this.dropSubscription();
    if (this.context.sessions.get(this.id) === this) this.context.sessions.delete(this.id);
    const connection = this.connection;
    this.connection = undefined;
    connection?.close(code, reason);
    if (this.exposed) this.context.ended(this);
  }

  async settle(): Promise<void> {
    // Queued behind every frame received so far: those not started are skipped (draining).
    await this.inbound.run(() => {});
    // The frames the handlers sent (replies) are numbered, kept and written.
    await this.outbound.run(() => {});
    await this.ackWrites;
    this.flushAck();
  }

  shutdown(): void {
    this.flushAck();
    stopTimer(this.ttlTimer);
    this.ttlTimer = undefined;
    this.dead = true;
    this.dropSubscription();
    if (this.connection !== undefined) {
      const { id, context, claim } = this;
      void context.attempt(id, 'expire', () =>
        context.store.expire(id, context.sessionRetainMs, claim, context.sessionTtlMs),
      );
    }
  }
}
