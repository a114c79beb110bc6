/**
 * Delivery across tabs (SPEC.md sections 7 and 8). Every tab keeps what a new leader needs to go
 * on with the session the tabs share: its name, the highest server seq seen, the highest client
 * seq handed out, and the number of every handed frame (the leader announces it before the frame
 * can be written). A new leader's socket resumes that session (so the server replays what was
 * pushed during the handover), re-sends handed frames under their old numbers first (the server
 * drops the ones it processed and acks them again), and numbers new sends far above the old
 * leader's (a gap the protocol allows, over numbers the old leader used but never announced).
 * Each tab's handlers see each numbered message once. It is also each tab's `deliveryOf(socket)`:
 * the leader's own, mirrored in the followers.
 */

import type { Socket } from '../core/types.js';
import type { DeliveryChannel, DeliverySnapshot } from '../delivery/delivery.js';
import { NO_DELIVERY } from '../delivery/delivery.js';
import { type DeliveryPlugin, deliveryOf, isDeliveryPlugin } from '../delivery/plugin.js';
import { seqOf } from '../protocol/delivery.js';
import type { Envelope } from '../protocol/envelope.js';
import type { TabCore } from './tab-core.js';
import type { Asker, Numbered, TabMessage, Work } from './wire.js';

/** Numbers a new leader skips over the old one's highest announced: ones it never announced. */
export const SEQ_GAP = 1_000_000;

/**
 * How long a handed frame waits for its asking tab to say it heard the frame's number. A tab
 * that is gone or frozen never says it; the frame then goes (and one crash in that window could
 * make it arrive twice).
 */
export const NOTED_WAIT_MS = 500;

/** Handed work some leader numbered and no one settled yet. */
export interface Outstanding {
  readonly asker: Asker;
  readonly work: Work;
  readonly numbered: Numbered;
}

/** One tab's part in delivery across tabs: its books, its `deliveryOf(socket)`, its resume. */
export interface DeliveryHandover {
  /** This tab's `deliveryOf(socket)`. */
  readonly channel: DeliveryChannel;
  /** The delivery plugin for a new leader's socket (undefined: the options' one, or none). */
  plugin(): DeliveryPlugin | undefined;
  /** What is known of the asker's work from earlier leaders. */
  prior(asker: Asker): Numbered | undefined;
  /** Runs `send`, which numbers one frame for `asker`: under `prior`'s seq when it may. */
  numbered<T>(asker: Asker, work: Work, prior: Numbered | undefined, send: () => T): T;
  /** Calls `reply` when the reply to one of `prior`'s request ids comes (a replay). */
  awaitReply(prior: Numbered | undefined, reply: (envelope: Envelope) => void): void;
  /** True when the envelope was such a reply (it goes to the asking tab only). */
  claimReply(envelope: Envelope): boolean;
  /** False for a numbered message this tab's handlers saw already. */
  fresh(envelope: Envelope): boolean;
  /** An envelope the leader's socket passed on (replies to other tabs too). */
  inbound(envelope: Envelope): void;
  /** True while leading a socket that resumes a session the tabs shared before this leader. */
  resuming(): boolean;
  /**
   * True when `prior` (a number an earlier leader gave, in the session this leader was seeded
   * with) belongs to a session the server replaced: it may have been processed there, so it is
   * not sent in the new one.
   */
  stale(prior: Numbered | undefined): boolean;
  /** Handed work numbered and unsettled, by seq (a new leader re-sends it first). */
  outstanding(): Outstanding[];
  /** Starts telling the other tabs about the leader's delivery; returns the stop. */
  lead(socket: Socket): () => void;
  /** Tells the other tabs the leader's delivery state (a tab asked). */
  announce(): void;
  /** A channel message of the delivery books; the follower side. */
  onMessage(message: TabMessage): void;
  /** Work of `asker` is settled: forgotten. */
  settled(asker: Asker): void;
}

const keyOf = (asker: Asker) => `${asker.tab}:${asker.id}`;

/** The delivery books of a tab (inert without `delivery` in the options, but for the mirror). */
export function createDeliveryHandover(core: TabCore): DeliveryHandover {
  const given = core.parts.options.delivery;
  const plugin = isDeliveryPlugin(given) ? given : undefined;
  const listeners = new Set<() => void>();
  const book = new Map<string, Outstanding>();
  /** What this tab knows of the shared session, and its resume secret (never in a snapshot). */
  let session: string | null = null;
  let secret: string | undefined;
  /** While leading: the session the socket was seeded with (an earlier leader's). */
  let seeded: string | null = null;
  /** The highest server seq this tab's handlers saw, or a leader announced. */
  let seen = 0;
  let announcedSeen = 0;
  /** While leading: the highest server seq the socket passed on, whoever it was for. */
  let passed = 0;
  let high = 0;
  let mirrored: DeliverySnapshot = NO_DELIVERY.getSnapshot();
  /** While leading: the socket's delivery, and whether it handed out a new number yet. */
  let leading: Socket | null = null;
  let issuedNew = false;
  /** The leading socket was given a session to resume (an earlier leader's). */
  let adopted = false;
  let forced: number | undefined;
  let asking: { asker: Asker; work: Work; prior: Numbered | undefined } | null = null;
  /** Request ids of frames re-sent here, to the asker's reply. */
  const replies = new Map<string, (envelope: Envelope) => void>();
  /**
   * While leading: handed frames with a new number, held until the asking tab says it heard it
   * (a channel message posted just before a crash can be lost while the frame is not), by seq.
   */
  const unheard = new Map<number, unknown>();
  let flushSocket: (() => void) | null = null;
  const heard = (seq: number) => {
    if (!unheard.has(seq)) return;
    core.parts.clearTimeout(unheard.get(seq));
    unheard.delete(seq);
    flushSocket?.();
  };
  const forgetUnheard = () => {
    for (const timer of unheard.values()) core.parts.clearTimeout(timer);
    unheard.clear();
  };

  const notify = () => core.tell(listeners, 'delivery');
  const snapshot = (): DeliverySnapshot =>
    leading ? deliveryOf(leading).getSnapshot() : plugin ? mirrored : NO_DELIVERY.getSnapshot();
  const on = () => snapshot().mode === 'on';
  const noteSession = (next: string | null) => {
    if (next === session) return;
    // A new session numbers its messages from 1 again; none (ended) has nothing to resume.
    if (session !== null) {
      seen = 0;
      announcedSeen = 0;
      passed = 0;
    }
    session = next;
    secret = undefined;
  };
  const remember = (entry: Outstanding) => {
    book.set(keyOf(entry.asker), entry);
    if (entry.numbered.seq > high) high = entry.numbered.seq;
  };

  let posting = false;
  /** The leader's delivery state to every tab, once per task. */
  const tell = () => {
    if (posting || !leading) return;
    posting = true;
    queueMicrotask(() => {
      posting = false;
      const socket = leading;
      if (!socket) return;
      const now = deliveryOf(socket).getSnapshot();
      noteSession(now.session);
      core.post({
        k: 'delivery',
        from: core.tab,
        snapshot: now,
        seen: Math.max(seen, passed),
        high,
        // What a new leader needs to resume the session: a session id alone resumes nothing.
        ...(secret === undefined ? {} : { secret }),
      });
    });
  };

  return {
    channel: plugin
      ? {
          getSnapshot: snapshot,
          subscribe(listener) {
            const own = () => listener();
            listeners.add(own);
            return () => listeners.delete(own);
          },
          endSession() {
            // Every tab forgets the session: the leader's socket ends it, the others hear that.
            if (leading) return deliveryOf(leading).endSession();
            noteSession(null);
            core.post({ k: 'end-session', from: core.tab });
          },
        }
      : NO_DELIVERY,
    plugin() {
      if (!plugin) return undefined;
      issuedNew = false;
      adopted = session !== null;
      seeded = session;
      const resume = Math.max(seen, announcedSeen);
      const kept = secret === undefined ? {} : { secret };
      return plugin.adopt({
        ...(session === null
          ? {}
          : { seed: { session, ...kept, lastSeen: resume, lastSeq: high + SEQ_GAP } }),
        session(next, nextSecret) {
          noteSession(next);
          secret = nextSecret;
          tell();
        },
        forced: () => {
          const seq = forced;
          forced = undefined;
          if (seq === undefined) issuedNew = true;
          return seq;
        },
        tracked(frame) {
          if (frame.seq > high) high = frame.seq;
          const handed = asking;
          asking = null;
          if (handed && handed.asker.tab !== core.tab) {
            // A new number only the asking tab can keep for the next leader: it must hear it
            // before the frame may reach the server. An old number it knows already.
            if (frame.seq !== handed.prior?.seq) {
              const { seq } = frame;
              unheard.set(
                seq,
                core.parts.setTimeout(() => heard(seq), NOTED_WAIT_MS),
              );
            }
            const ids = handed.prior?.requestIds ?? [];
            const requestIds = frame.requestId === undefined ? ids : [...ids, frame.requestId];
            const numbered: Numbered = { seq: frame.seq, requestIds };
            const entry = { asker: handed.asker, work: handed.work, numbered };
            remember(entry);
            // Before the frame can be written: a frame that reached the server has its number told.
            core.post({ k: 'numbered', from: core.tab, ...entry });
          }
          tell();
        },
        held: (seq) => unheard.has(seq),
        bind(flush) {
          flushSocket = flush;
        },
      });
    },
    prior: (asker) => book.get(keyOf(asker))?.numbered,
    numbered(asker, work, prior, send) {
      // A lower seq after a higher one would be dropped as a repeat: only before any new number.
      forced = prior && !issuedNew ? prior.seq : undefined;
      asking = { asker, work, prior };
      try {
        return send();
      } finally {
        forced = undefined;
        asking = null;
      }
    },
    awaitReply(prior, reply) {
      for (const id of prior?.requestIds ?? []) replies.set(id, reply);
    },
    claimReply(envelope) {
      const id = envelope.meta?.request_id;
      const reply = typeof id === 'string' ? replies.get(id) : undefined;
      if (!reply) return false;
      for (const [key, value] of [...replies]) if (value === reply) replies.delete(key);
      reply(envelope);
      return true;
    },
    fresh(envelope) {
      const seq = seqOf(envelope);
      if (seq === undefined || !on()) return true;
      if (seq <= seen) return false;
      seen = seq;
      return true;
    },
    inbound(envelope) {
      const seq = seqOf(envelope);
      if (seq !== undefined && seq > passed) passed = seq;
    },
    resuming: () => leading !== null && adopted,
    stale(prior) {
      if (prior === undefined || seeded === null || leading === null) return false;
      const now = deliveryOf(leading).getSnapshot();
      return now.mode === 'on' && now.session !== seeded;
    },
    outstanding: () => [...book.values()].sort((a, b) => a.numbered.seq - b.numbered.seq),
    lead(socket) {
      leading = socket;
      passed = Math.max(seen, announcedSeen);
      replies.clear();
      notify();
      const stop = deliveryOf(socket).subscribe(() => {
        tell();
        notify();
      });
      tell();
      return () => {
        stop();
        forgetUnheard();
        flushSocket = null;
        leading = null;
        replies.clear();
        notify();
      };
    },
    onMessage(message) {
      switch (message.k) {
        case 'numbered':
          remember(message);
          // This tab asked: the leader may write the frame now that its number is kept here.
          if (message.asker.tab === core.tab) {
            core.post({ k: 'noted', from: core.tab, to: message.from, seq: message.numbered.seq });
          }
          return;
        case 'noted':
          if (leading && message.to === core.tab) heard(message.seq);
          return;
        case 'done':
          book.delete(keyOf({ tab: message.to, id: message.id }));
          return;
        case 'delivery': {
          if (leading) return;
          noteSession(message.snapshot.session);
          if (message.secret !== undefined && message.snapshot.session === session)
            secret = message.secret;
          announcedSeen = message.seen;
          if (message.high > high) high = message.high;
          const next = message.snapshot;
          // A copy per message: kept only when it shows something new (one object per state).
          if (
            next.mode !== mirrored.mode ||
            next.session !== mirrored.session ||
            next.unacked !== mirrored.unacked ||
            next.recovery?.at !== mirrored.recovery?.at
          ) {
            mirrored = Object.freeze(message.snapshot);
            notify();
          }
          return;
        }
      }
    },
    settled: (asker) => void book.delete(keyOf(asker)),
    announce: () => tell(),
  };
}
