/**
 * Who a session belongs to and how a resume proves it (docs/protocol.md, "Identity"): the principal
 * the app authenticated, a resume secret apart from the session id (the id may be logged, the
 * secret never is), the secret kept only as a SHA-256 hash, compared in constant time. Also the
 * shape a client-supplied session id must have before any key is built from it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionBinding } from './history-store.js';

/** Bytes of randomness in a resume secret (256 bits; the protocol asks for at least 128). */
const SECRET_BYTES = 32;

/** The longest principal `accept` takes (user ids, emails, `tenant:user` pairs fit). */
export const MAX_PRINCIPAL_CHARS = 512;

/**
 * Session ids the layer uses to build store keys: 1 to 128 characters of `A-Z a-z 0-9 _ - . :`.
 * A client-supplied id outside it is answered as an unknown session, never looked up; in
 * particular it can never hold `{` or `}` (the Redis hash tag) or a newline.
 */
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** True for a session id the layer may look up or build keys from. */
export const isSafeSessionId = (id: unknown): id is string =>
  typeof id === 'string' && SAFE_ID.test(id);

/** A new resume secret: 256 random bits, base64url (43 characters). */
export const newSecret = (): string => randomBytes(SECRET_BYTES).toString('base64url');

/** SHA-256 of a secret, lowercase hex: what the layer and the stores keep instead of the secret. */
export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * Whether two secret hashes are equal, in time independent of where they differ (a timing side
 * channel on the comparison could otherwise be probed byte by byte). Hashes of another length
 * (never made here) are unequal at once: the length of a hash is no secret.
 */
export function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether `claim` (a resuming connection's) may resume a session bound to `held`. */
export function bindingMatch(
  held: SessionBinding,
  claim: SessionBinding,
): 'same' | 'other_principal' | 'wrong_secret' {
  if (!sameHash(held.secretHash, claim.secretHash)) return 'wrong_secret';
  return held.principal === claim.principal ? 'same' : 'other_principal';
}

/** What `accept` was told about the connection. */
export type AcceptedIdentity = { readonly principal: string };

/**
 * Checks `accept`'s options: `{ principal }` (a non-empty string of at most
 * {@link MAX_PRINCIPAL_CHARS}) or `{ anonymous: true }`, nothing else. Returns the principal the
 * binding keeps (`''` for anonymous). Throws a TypeError naming the fix.
 */
export function readAcceptOptions(scope: string, options: unknown): AcceptedIdentity {
  if (options === undefined) {
    throw new TypeError(
      `${scope}: say who is on this connection: accept(socket, { principal }) with the user you authenticated the upgrade for, or accept(socket, { anonymous: true }) for an app without users (any client holding a session's id and resume secret can then resume it)`,
    );
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${scope}: options must be { principal } or { anonymous: true }`);
  }
  const keys = Object.keys(options).filter((key) => Reflect.get(options, key) !== undefined);
  const unknown = keys.find((key) => key !== 'principal' && key !== 'anonymous');
  if (unknown !== undefined) {
    throw new TypeError(`${scope}: unknown option ${unknown}; known: principal, anonymous`);
  }
  const principal: unknown = Reflect.get(options, 'principal');
  const anonymous: unknown = Reflect.get(options, 'anonymous');
  if (principal !== undefined && anonymous !== undefined) {
    throw new TypeError(`${scope}: pass principal or anonymous, not both`);
  }
  if (anonymous !== undefined) {
    if (anonymous !== true) throw new TypeError(`${scope}: anonymous must be true when given`);
    return { principal: '' };
  }
  if (typeof principal !== 'string' || principal === '' || principal.length > MAX_PRINCIPAL_CHARS) {
    throw new TypeError(
      `${scope}: principal must be a non-empty string of at most ${MAX_PRINCIPAL_CHARS} characters; got ${typeof principal === 'string' ? `a string of ${principal.length}` : typeof principal}`,
    );
  }
  return { principal };
}
