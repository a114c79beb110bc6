/**
 * Inbound frames: parse once at the boundary, answer heartbeats, validate registered data,
 * settle requests, then hand the envelope to the handlers. Nothing malformed gets further than
 * a recoverable fault.
 */
import {
  type Envelope,
  type ErrorEnvelope,
  isErrorEnvelope,
  type ParseOptions,
  parseFrame,
} from '../protocol/envelope.js';
import { type DataSchemas, validateData } from '../protocol/standard-schema.js';
import type { Handlers } from './handlers.js';
import type { Reporter } from './reporter.js';
import type { Requests } from './requests.js';

export interface InboxOptions {
  readonly parse: ParseOptions | undefined;
  readonly schemas: DataSchemas;
  /** Heartbeat types, or null when the heartbeat is off (then they are ordinary messages). */
  readonly heartbeat: { readonly pingType: string; readonly pongType: string } | null;
  readonly handlers: Handlers;
  readonly requests: Requests;
  readonly reporter: Reporter;
  /** The server pinged us. */
  readonly pong: () => void;
  /** An error envelope arrived (before handlers see it). */
  readonly error: (envelope: ErrorEnvelope) => void;
  /** Delivery's own frames and duplicates: true when the envelope goes no further. */
  readonly control?: ((envelope: Envelope) => boolean) | undefined;
}

/** Makes the receive function of a socket. */
export function createInbox(options: InboxOptions): (data: unknown) => void {
  const { handlers, requests, reporter, schemas, heartbeat } = options;
  // Most sockets register no schema: skip the lookup on the hot path then.
  const hasSchemas = Object.keys(schemas).length > 0;
  return (data) => {
    const parsed = parseFrame(data, options.parse);
    if (!parsed.ok) {
      const fault = reporter.report(reporter.client(parsed.code, parsed.cause, parsed.requestId));
      // A malformed reply still answers its request: it fails now, not at its timeout.
      if (parsed.requestId !== undefined) requests.reject(parsed.requestId, fault);
      return;
    }
    let envelope = parsed.envelope;
    if (options.control?.(envelope)) return;
    if (heartbeat && envelope.type === heartbeat.pongType) return;
    if (heartbeat && envelope.type === heartbeat.pingType) return options.pong();
    if (isErrorEnvelope(envelope)) options.error(envelope);
    else {
      const requestId = envelope.meta?.request_id;
      const schema =
        hasSchemas && Object.hasOwn(schemas, envelope.type) ? schemas[envelope.type] : undefined;
      if (schema) {
        const checked = validateData(schema, envelope.data);
        if (!checked.ok) {
          const cause = `"${envelope.type}" data: ${checked.cause}`;
          const fault = reporter.report(reporter.client('invalid_envelope', cause, requestId));
          if (requestId !== undefined) requests.reject(requestId, fault);
          return;
        }
        if (checked.data !== envelope.data) envelope = { ...envelope, data: checked.data };
      }
      if (requestId !== undefined) requests.resolve(requestId, envelope);
    }
    handlers.emit(envelope);
  };
}
