/**
 * The book of sends not acknowledged yet, in `seq` order: each is queued or on the wire, and
 * ends acknowledged, or rejected with a fault. It holds no timer and sends nothing; the delivery
 * mechanism asks it what to send again and what an ack settles.
 */
import type { Frame as OutboundFrame } from '../core/extension.js';
import type { Delivered } from '../core/types.js';
import type { Fault } from '../protocol/fault.js';

export type { Delivered };

/** A frame with its delivery number. */
export interface NumberedFrame extends OutboundFrame {
  readonly seq: number;
}

interface Entry {
  readonly frame: NumberedFrame;
  readonly settle: ((result: Delivered | Fault) => void) | null;
  /** Written to the current connection (not only queued). */
  onWire: boolean;
  /** Connections it was written to. */
  tries: number;
  /** When it was last written, on the monotonic clock. */
  writtenAt: number;
}

/** A kept send as the books see it. */
export interface Kept {
  readonly frame: NumberedFrame;
  /** Written to the current connection. */
  readonly onWire: boolean;
  /** Written to some connection: it may have been processed. */
  readonly sent: boolean;
}

export interface Ledger {
  /** Tracks a send; `settle` (its receipt) is told its fate once. */
  track(frame: NumberedFrame, settle: ((result: Delivered | Fault) => void) | null): void;
  /** Forgets a send without telling it (it was refused, or its request settled). */
  forget(seq: number): void;
  /** The frame was written to the connection. */
  written(seq: number, at: number): void;
  /** The server processed everything up to `seq`: those are acknowledged. Returns their frames. */
  ack(seq: number): NumberedFrame[];
  /**
   * The connection is gone: frames on the wire go back to be sent again, in order; those sent on
   * `maxResends` connections are given up (returned apart, the caller rejects them).
   */
  lift(maxResends: number): { again: NumberedFrame[]; given: NumberedFrame[] };
  /** Settles one send with a fault, and forgets it. */
  reject(seq: number, fault: Fault): void;
  /**
   * Settles every send written as unconfirmed (a plain server), and forgets it: those on the wire,
   * and with `everSent` also those written on an earlier connection. Returns their frames.
   */
  unconfirmWritten(everSent?: boolean): NumberedFrame[];
  /** Every send kept, oldest first. */
  kept(): Kept[];
  /** When the oldest send on the wire was written, or null. */
  oldestWrite(): number | null;
  /**
   * Puts `earlier` (sends an earlier page kept, in seq order, all below `from`) before every send
   * kept now, which is numbered again from `from + 1` in its order (none was written: no welcome
   * yet). `sent`: the earlier sends may have been written then. Returns each send renumbered with
   * its old seq; the caller rewrites their text.
   */
  restore(
    earlier: ReadonlyArray<readonly [NumberedFrame, (result: Delivered | Fault) => void]>,
    sent: boolean,
    from: number,
  ): Array<readonly [NumberedFrame, number]>;
  has(seq: number): boolean;
  readonly size: number;
}

export function createLedger(): Ledger {
  const entries = new Map<number, Entry>();
  const settle = (seq: number, result: Delivered | Fault) => {
    const entry = entries.get(seq);
    if (!entry) return;
    entries.delete(seq);
    entry.settle?.(result);
  };
  return {
    track(frame, done) {
      entries.set(frame.seq, { frame, settle: done, onWire: false, tries: 0, writtenAt: 0 });
    },
    forget: (seq) => void entries.delete(seq),
    written(seq, at) {
      const entry = entries.get(seq);
      if (!entry) return;
      entry.onWire = true;
      entry.tries += 1;
      entry.writtenAt = at;
    },
    ack(seq) {
      const acked: NumberedFrame[] = [];
      // Map order is insertion order, and seqs are handed out in increasing order.
      for (const [key, entry] of entries) {
        if (key > seq) break;
        acked.push(entry.frame);
        settle(key, 'acknowledged');
      }
      return acked;
    },
    lift(maxResends) {
      const again: NumberedFrame[] = [];
      const given: NumberedFrame[] = [];
      for (const entry of entries.values()) {
        if (!entry.onWire) continue;
        entry.onWire = false;
        (entry.tries >= maxResends ? given : again).push(entry.frame);
      }
      return { again, given };
    },
    reject: (seq, fault) => settle(seq, fault),
    unconfirmWritten(everSent = false) {
      const settled: NumberedFrame[] = [];
      for (const [key, entry] of [...entries]) {
        if (!entry.onWire && !(everSent && entry.tries > 0)) continue;
        settled.push(entry.frame);
        settle(key, 'unconfirmed');
      }
      return settled;
    },
    kept: () =>
      [...entries.values()].map(({ frame, onWire, tries }) => ({
        frame,
        onWire,
        sent: tries > 0,
      })),
    oldestWrite() {
      for (const entry of entries.values()) if (entry.onWire) return entry.writtenAt;
      return null;
    },
    restore(earlier, sent, from) {
      const now = [...entries.values()];
      entries.clear();
      for (const [frame, done] of earlier)
        entries.set(frame.seq, {
          frame,
          settle: done,
          onWire: false,
          tries: sent ? 1 : 0,
          writtenAt: 0,
        });
      const moved: Array<readonly [NumberedFrame, number]> = [];
      for (const entry of now) {
        const old = entry.frame.seq;
        const seq = from + moved.length + 1;
        (entry.frame as { seq: number }).seq = seq;
        moved.push([entry.frame, old]);
        entries.set(seq, entry);
      }
      return moved;
    },
    has: (seq) => entries.has(seq),
    get size() {
      return entries.size;
    },
  };
}
