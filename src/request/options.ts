/** The per-request options, checked on every call in development builds. */
import { checkGiven, type Rule } from '../core/option-checks.js';
import type { StandardSchemaV1 } from '../protocol/standard-schema.js';

/** Options of one request. */
export interface RequestOptions {
  /** Reject with a `request_timeout` fault after this long. @default the socket's `requestTimeoutMs` (10_000) */
  readonly timeoutMs?: number;
  /** Abort the request: it rejects with a `request_aborted` fault. */
  readonly signal?: AbortSignal;
  /** Re-send after a reconnect instead of rejecting when the connection drops. @default false */
  readonly retryOnReconnect?: boolean;
  /**
   * A Standard Schema (zod, valibot, ...) for the reply's `data`: the promise resolves with its
   * output (typed by it), and a reply that fails it rejects at once with an `invalid_envelope` fault.
   */
  readonly reply?: StandardSchemaV1;
}

declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/**
 * A `timeoutMs` of NaN, 0, a string or past 2^31-1 ms would time out at once, and `Infinity`
 * means no timeout.
 */
const REQUEST_RULES: Readonly<Record<keyof RequestOptions, Rule>> = {
  timeoutMs: { kind: 'ms', min: 1, never: true },
  signal: { kind: 'signal' },
  retryOnReconnect: { kind: 'boolean' },
  reply: { kind: 'schema' },
};

const check = (options: RequestOptions) => checkGiven('request', options, REQUEST_RULES);

/** Throws naming a bad option (development builds only: production skips the check). */
export function checkRequestOptions(options: RequestOptions): void {
  try {
    if (process.env.NODE_ENV !== 'production') check(options);
  } catch {
    check(options); // no `process`: development (a refused option throws again)
  }
}
