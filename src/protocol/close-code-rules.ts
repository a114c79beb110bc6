/**
 * Which numbers may stand in a close frame (RFC 6455 section 7.4): the range a client accepts
 * (`isValidCloseCode`) and the narrower set a server may send (`isSendableCloseCode`). One module,
 * so the client's classification and the server helpers read the same rules.
 */

/** True for a code RFC 6455 allows in a close frame's range: an integer in 1000-4999. */
export const isValidCloseCode = (code: number): boolean =>
  Number.isInteger(code) && code >= 1000 && code <= 4999;

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
