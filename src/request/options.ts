/** The per-request options, checked on every call in development builds. */
import { checkGiven, type Rule } from '../core/option-checks.js';
import type { RequestOptions } from './request.js';

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
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    check(options);
  }
}
