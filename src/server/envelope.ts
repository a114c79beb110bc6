/**
 * Envelopes as they go on the wire (SPEC.md section 1). Pure builders, no socket involved; the
 * envelope types are the protocol's own (`src/protocol/envelope.ts`).
 */
import type { ErrorData, WireEnvelope, WireMeta } from '../protocol/envelope.js';

/** Options of an error envelope. */
export interface ErrorEnvelopeOptions {
  /** The `request_id` of the request that failed, so the client rejects the right promise. */
  readonly requestId?: string | undefined;
  /** Retry hint in milliseconds (`meta.retry_after_ms`), e.g. with 4005. */
  readonly retryAfterMs?: number | undefined;
  /** The envelope's time. @default new Date() (read at call time, so fake timers apply) */
  readonly timestamp?: Date | string | undefined;
}

/** Builds an envelope; `meta` is left out when not given. */
export function buildEnvelope<D>(type: string, data: D, meta?: WireMeta): WireEnvelope<D> {
  return meta === undefined ? { type, data } : { type, data, meta };
}

/** Builds an `"error"` envelope with an ISO timestamp and, when given, `request_id` and the hint. */
export function buildErrorEnvelope(
  code: number,
  message: string,
  options: ErrorEnvelopeOptions = {},
): WireEnvelope<ErrorData> {
  const { requestId, retryAfterMs, timestamp } = options;
  const time = typeof timestamp === 'string' ? timestamp : (timestamp ?? new Date()).toISOString();
  const meta: Record<string, unknown> = { timestamp: time };
  if (requestId !== undefined) meta.request_id = requestId;
  if (retryAfterMs !== undefined) meta.retry_after_ms = Math.max(0, retryAfterMs);
  return { type: 'error', data: { code, message }, meta };
}
