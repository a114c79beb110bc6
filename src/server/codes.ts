/**
 * Application error codes and the close code that goes with each (SPEC.md section 1).
 * Kept here, apart from `src/protocol`, so the server helpers and the testing kit stay free of the
 * client layers; the values are the wire contract and cannot drift.
 */

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
 * Whether a server may send `code` in a close frame: 1000, the defined 1001–1014 codes that may
 * appear on the wire (not 1004, 1005, 1006), and the registered/private range 3000–4999.
 * `ws` throws on anything else, so every close goes through this check first.
 */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/**
 * The close code that matches an app error code: 4000–4005 close with the same code; 5000 (not a
 * valid close code) and any other code that cannot go in a close frame close with 1011; any other
 * sendable close code is kept as is.
 */
export function closeCodeForAppCode(code: number): number {
  if (code === AppErrorCode.Internal) return INTERNAL_ERROR_CLOSE_CODE;
  return isSendableCloseCode(code) ? code : INTERNAL_ERROR_CLOSE_CODE;
}
