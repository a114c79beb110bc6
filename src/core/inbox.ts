/**
 * Inbound frames: parsed once at the boundary, then the extensions (delivery's control frames and
 * duplicates, schemas, replies), the heartbeat, error envelopes, and the handlers. Nothing
 * malformed gets further than a recoverable fault.
 */
import {
  type Envelope,
  type ErrorEnvelope,
  isErrorEnvelope,
  type ParseOptions,
  parseFrame,
} from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import type { Extension } from './extension.js';

export interface ReceiverParts {
  readonly parse: ParseOptions | undefined;
  /** Heartbeat types, or null when the heartbeat is off (then they are ordinary messages). */
  readonly heartbeat: { readonly pingType: string; readonly pongType: string } | null;
  readonly exts: readonly Extension[];
  readonly fault: (input: FaultInput) => Fault;
  readonly report: (fault: Fault) => Fault;
  /** The server pinged us. */
  readonly pong: () => void;
  /** An error envelope arrived (before handlers see it). */
  readonly error: (envelope: ErrorEnvelope) => void;
  readonly emit: (envelope: Envelope) => void;
}

/** Makes the receive function of a socket. */
export function receiver(p: ReceiverParts): (data: unknown) => void {
  return (data) => {
    const parsed = parseFrame(data, p.parse);
    if (!parsed.ok) {
      // A malformed reply still answers its request (the fault names it): it fails now.
      const { code, cause, requestId } = parsed;
      p.report(p.fault({ source: 'client', code, cause, requestId }));
      return;
    }
    let envelope = parsed.envelope;
    for (const e of p.exts) {
      const next = e.inbound?.(envelope);
      if (next === null) return;
      if (next !== undefined) envelope = next;
    }
    const beat = p.heartbeat;
    if (beat && envelope.type === beat.pongType) return;
    if (beat && envelope.type === beat.pingType) return p.pong();
    if (isErrorEnvelope(envelope)) p.error(envelope);
    p.emit(envelope);
  };
}
