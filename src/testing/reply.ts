import { hasEnvelopeShape, type WireEnvelope } from '../protocol/envelope.js';
import type { ErrorEnvelopeOptions } from '../server/envelope.js';

const kErrorReply = Symbol('sockguard.errorReply');

/** What a {@link errorReply} call returns: the reply handler asks for an error envelope instead. */
export interface ErrorReply {
  readonly [kErrorReply]: true;
  readonly code: number;
  readonly message: string;
  readonly options: Omit<ErrorEnvelopeOptions, 'requestId'>;
}

/**
 * Return this from a `reply` handler to reject the request with an error envelope carrying the
 * request's `request_id`.
 */
export function errorReply(
  code: number,
  message: string,
  options: Omit<ErrorEnvelopeOptions, 'requestId'> = {},
): ErrorReply {
  return { [kErrorReply]: true, code, message, options };
}

export function isErrorReply(value: unknown): value is ErrorReply {
  return typeof value === 'object' && value !== null && kErrorReply in value;
}

/** Computes the reply to one request: its `data`, or an {@link errorReply}. May be async. */
export type ReplyHandler = (request: WireEnvelope) => unknown;

/** Parses one client frame into an envelope, or undefined when it is not one. */
export function parseEnvelope(text: string): WireEnvelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasEnvelopeShape(value) ? value : undefined;
}
