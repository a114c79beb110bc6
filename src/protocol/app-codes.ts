/**
 * The app error codes of the protocol (SPEC.md section 1) and the close codes that go with them:
 * the one a server closes with after an error envelope (`closeCodeForAppCode`), and the ones the
 * client takes as the second half of an error-then-close pair (`pairsWithError`). The catalog
 * (`codes.ts`), the server helpers and the testing kit all read this one list.
 */
import { isSendableCloseCode } from './close-code-rules.js';

/** The app error codes of the protocol (in `data.code` of an `"error"` envelope). */
export const AppErrorCode = {
  BadRequest: 4000,
  NotFound: 4001,
  InvalidAction: 4002,
  Unauthorized: 4003,
  Forbidden: 4004,
  RateLimited: 4005,
  Internal: 5000,
} as const;

/** One of the app error codes of the protocol. Other numbers are allowed on the wire too. */
export type AppErrorCodeValue = (typeof AppErrorCode)[keyof typeof AppErrorCode];

/** Close code of an unexpected server failure (RFC 6455 "internal error"). */
export const INTERNAL_ERROR_CLOSE_CODE = 1011;

/**
 * The close code that matches an app error code: 4000–4005 close with the same code; 5000 (not a
 * valid close code) and any other code that cannot go in a close frame close with 1011; any other
 * sendable close code is kept as is.
 */
export function closeCodeForAppCode(code: number): number {
  if (code === AppErrorCode.Internal) return INTERNAL_ERROR_CLOSE_CODE;
  return isSendableCloseCode(code) ? code : INTERNAL_ERROR_CLOSE_CODE;
}

/**
 * Close codes a server may use after an error envelope of each app code, besides the app code
 * itself. Why the extras: 5000 is not a valid close code, so servers close with 1011 (what
 * `closeCodeForAppCode` sends); a rate limit may close with 1013 "try again later"; auth and
 * permission errors may use the IANA codes (3000, 3003) or the generic 1008.
 */
// Keyed by number, not through `AppErrorCode`: the client reads this table, and the names object
// would then ship in every client bundle for four keys (`app-codes.test.ts` ties them together).
const CLOSES_AFTER: Readonly<Record<number, readonly number[]>> = {
  4003: [3000, 1008], // Unauthorized
  4004: [3003, 1008], // Forbidden
  4005: [1013], // RateLimited
  5000: [INTERNAL_ERROR_CLOSE_CODE], // Internal
};

/** Whether a close with `closeCode` can follow an error envelope of `appCode` as one failure. */
export function pairsWithError(appCode: number, closeCode: number): boolean {
  return appCode === closeCode || (CLOSES_AFTER[appCode]?.includes(closeCode) ?? false);
}
