/**
 * A connection's live feed when the store is shared by several instances (it has `subscribe`):
 * frames numbered on this instance and frames numbered on another one (from the subscription)
 * both come here, and each is written once, in `seq` order, with no hole. A frame that comes
 * ahead of a missing one waits for it a short while; a hole that stays, or a subscription that
 * may have missed events, makes the client resume, which the history serves (or says it cannot).
 */
import { startTimer, stopTimer } from './context.js';
import type { SessionEvent } from './history-store.js';

/** How long a frame waits for a missing earlier one before the client is made to resume. */
export const GAP_WAIT_MS = 1000;

/** Frames held ahead of a hole at most; past that the client resumes at once. */
const MAX_PENDING = 1000;

/** What the feed asks of its session. */
export interface FeedOwner {
  /** Writes one frame to the connection. */
  write(text: string): void;
  /** The feed cannot vouch for the stream any more: close the connection so the client resumes. */
  resume(reason: string): void;
  /** A later claim by another connection took the session: this connection must let it go. */
  superseded(): void;
  /** The store no longer knows the session: end it, so the client resumes and is told. */
  forgotten(): void;
  /** A frame with this `seq` was written (the session's `seq` follows it). */
  wrote(seq: number): void;
}

/** One connection's ordered view of a session's frames. */
export class LiveFeed {
  /** The last `seq` written; `undefined` until {@link start} (frames wait until the welcome is out). */
  private written: number | undefined;
  private readonly pending = new Map<number, string>();
  private gapTimer: unknown;
  private ownClaimSeen = false;
  private lostEarly = false;
  private supersededEarly = false;
  private forgottenEarly = false;
  private stopped = false;

  constructor(
    /** The token of the claim this connection made. */
    private readonly claim: string,
    /** What every claim token of this instance starts with: the layer orders its own claims. */
    private readonly instance: string,
    private readonly owner: FeedOwner,
    private readonly gapMs = GAP_WAIT_MS,
  ) {}

  /** The subscription's listener. */
  readonly listener = (event: SessionEvent): void => {
    if (this.stopped) return;
    if (event.type === 'frame') this.offer(event.seq, event.text);
    else if (event.type === 'claimed') this.claimed(event.owner);
    else if (event.type === 'forgotten') this.forgot();
    else if (this.written === undefined) this.lostEarly = true;
    else this.owner.resume('Resume: the history store reconnected');
  };

  /** The welcome and replay are written up to `seq`: live frames after it go out from now on. */
  start(seq: number): void {
    if (this.stopped || this.written !== undefined) return;
    this.written = seq;
    if (this.forgottenEarly) {
      this.owner.forgotten();
      return;
    }
    if (this.supersededEarly) {
      this.owner.superseded();
      return;
    }
    if (this.lostEarly) {
      this.owner.resume('Resume: the history store reconnected');
      return;
    }
    this.drain();
  }

  /** A numbered frame, from this instance or another one. */
  offer(seq: number, text: string): void {
    if (this.stopped || (this.written !== undefined && seq <= this.written)) return;
    this.pending.set(seq, text);
    if (this.written !== undefined) this.drain();
  }

  /** The connection is gone or replaced: nothing more is written. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    stopTimer(this.gapTimer);
    this.gapTimer = undefined;
  }

  private forgot(): void {
    if (this.written === undefined) this.forgottenEarly = true;
    else this.owner.forgotten();
  }

  private claimed(owner: string): void {
    if (owner === this.claim) {
      this.ownClaimSeen = true;
      return;
    }
    // Claims arrive in the store's order: one seen after ours was made later than ours.
    if (!this.ownClaimSeen || owner.startsWith(this.instance)) return;
    if (this.written === undefined) this.supersededEarly = true;
    else this.owner.superseded();
  }

  private drain(): void {
    let written = this.written as number;
    for (const seq of [...this.pending.keys()]) if (seq <= written) this.pending.delete(seq);
    let next = this.pending.get(written + 1);
    while (next !== undefined && !this.stopped) {
      this.pending.delete(written + 1);
      written += 1;
      this.written = written;
      this.owner.write(next);
      this.owner.wrote(written);
      next = this.pending.get(written + 1);
    }
    if (this.stopped) return;
    if (this.pending.size === 0) {
      stopTimer(this.gapTimer);
      this.gapTimer = undefined;
    } else if (this.pending.size > MAX_PENDING) {
      this.owner.resume('Resume to fill a gap');
    } else if (this.gapTimer === undefined) {
      this.gapTimer = startTimer(() => {
        this.gapTimer = undefined;
        if (!this.stopped && this.pending.size > 0) this.owner.resume('Resume to fill a gap');
      }, this.gapMs);
    }
  }
}
