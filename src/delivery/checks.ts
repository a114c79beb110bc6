/**
 * What the client checks before it believes the server (SPEC.md section 7, "The client checks the
 * server"; docs/protocol.md, rules of the client side). Pure: each function reads the books and
 * says what a frame is, never changes them. A violation is a sentence for `detail.cause`; nothing
 * of the frame is applied, and the connection is left.
 */
import { seqOf, type WelcomeData } from '../protocol/delivery.js';
import type { Envelope } from '../protocol/envelope.js';
import { why } from '../protocol/why.js';

/** What the client knows when a welcome comes. */
export interface WelcomeBooks {
  /** The session the hello named (null: none, a new session is due). */
  readonly asked: string | null;
  /** The `last_seq` the hello said. */
  readonly lastSeen: number;
  /** The highest seq written in the asked session, by this socket or one before it (tabs). */
  readonly written: number;
}

/** Why a welcome cannot be believed, or undefined when it can. */
export function welcomeViolation(w: WelcomeData, books: WelcomeBooks): string | undefined {
  if (books.asked !== null && w.session === books.asked) {
    if (w.acked > books.written) return why('welcome_acked', w.acked, books.written);
    if (w.resumed && w.seq < books.lastSeen) return why('welcome_seq', w.seq, books.lastSeen);
    return undefined;
  }
  if (w.acked !== 0) return why('new_acked', w.acked);
  if (w.resumed) return why('new_resumed');
  return undefined;
}

/** Why an ack cannot be believed (`bound`: the most this connection may acknowledge), or undefined. */
export function ackViolation(seq: number | undefined, bound: number): string | undefined {
  if (seq === undefined) return why('bad_ack');
  if (seq > bound) return why('ack_above', seq, bound);
  return undefined;
}

/** What a numbered server message is to the handlers. */
export type Numbered =
  /** No `meta.seq`: not numbered, handed on as is. */
  | { readonly kind: 'unnumbered' }
  /** The next one: handed to the handlers, and the highest seen from now on. */
  | { readonly kind: 'next'; readonly seq: number }
  /** Seen already (a replay overlapping what came): dropped. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'violation'; readonly cause: string };

/**
 * Reads the number of a server message after the highest one seen: the next one in order, a
 * duplicate, or a violation (a malformed number, or a gap: the missing ones are never skipped).
 */
export function readNumbered(envelope: Envelope, lastSeen: number): Numbered {
  const raw = envelope.meta?.seq;
  if (raw === undefined || raw === null) return { kind: 'unnumbered' };
  const seq = seqOf(envelope);
  if (seq === undefined) {
    const shown = JSON.stringify(raw)?.slice(0, 40) ?? String(raw);
    return { kind: 'violation', cause: why('bad_seq', shown) };
  }
  if (seq <= lastSeen) return { kind: 'duplicate' };
  if (seq === lastSeen + 1) return { kind: 'next', seq };
  return { kind: 'violation', cause: why('gap', seq, lastSeen) };
}
