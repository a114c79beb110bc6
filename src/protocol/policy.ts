/**
 * The default classification table (SPEC.md section 2) as data: severity, action and kind per
 * source and code. `classify` reads it; `codes.ts` reads it too, so the catalog cannot drift from
 * the behaviour. Each exception to the default row says why it exists.
 */
import { isValidCloseCode } from './close-code-rules.js';
import type { ClientCode, FaultAction, FaultKind, FaultSeverity } from './fault.js';

/** Default severity and action of one code. */
export type Row = readonly [severity: FaultSeverity, action: FaultAction];

const NONE: Row = ['recoverable', 'none'];
const RECONNECT: Row = ['recoverable', 'reconnect'];
const BACKOFF: Row = ['recoverable', 'backoff'];
const STOP: Row = ['fatal', 'stop'];
const REAUTH: Row = ['fatal', 'reauthenticate'];

/** Error envelopes: the request failed, the connection is fine, so none of them reconnects. */
const ENVELOPE: Readonly<Record<number, Row>> = {
  // Token missing or expired: only new credentials help (refresh or auth redirect).
  4003: REAUTH,
  // Forbidden: the same action fails again, but the connection is fine, so nothing to stop.
  4004: ['fatal', 'none'],
  // Rate limited: hold sends for retry_after_ms, then go on by itself.
  4005: BACKOFF,
  // 4000-4002 (bad request, not found, invalid action) and 5000 (a server bug, not the user's)
  // fail one request only: the default row.
};

/**
 * Close codes. The default (any code not listed, 1016-4999) is a soft failure: reconnect with
 * backoff, since an unknown code says nothing that retrying cannot cure (graphql-ws does the same).
 */
const CLOSE: Readonly<Record<number, Row>> = {
  // 1000, 1001, 1004-1006, 1011, 1012, 1014: the default row. A 1000 the client did not ask for is
  // a server deploy or idle sweep, and the app still wants its connection; 1011 is a server bug
  // that usually passes; 1004 is reserved and never sent, so if one arrives it is noise.
  // Too many clients or overload: reconnect, but no sooner than the hint or a longer floor.
  1013: BACKOFF,
  4005: BACKOFF,
  // Protocol or payload bugs (ours or the server's): the same frames would fail the same way.
  1002: STOP,
  1003: STOP,
  1007: STOP,
  1009: STOP,
  1010: STOP,
  // TLS handshake: certificates do not fix themselves; reconnecting would hammer the server.
  1015: STOP,
  // Policy violation / forbidden: the server decided; retrying is refused again.
  1008: STOP,
  3003: STOP,
  4004: STOP,
  // Unauthorized (IANA 3000, our 4003): one token refresh and reconnect, else fatal.
  3000: REAUTH,
  4003: REAUTH,
  // Bad request, unsupported path, closed room at connection level: the same handshake fails again.
  4000: STOP,
  4001: STOP,
  4002: STOP,
};

/**
 * Codes that say the link broke, not that the server decided anything: kind `transport`.
 * 1013 is overload, a property of the pipe rather than of this connection's requests.
 */
const TRANSPORT_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1005, 1006, 1012, 1013, 1014]);

/** Default row of an app error code from an error envelope. */
export const envelopeRow = (code: number): Row => ENVELOPE[code] ?? NONE;

/**
 * Default row of a close. A close the client asked for is `none` whatever its code: the app wanted
 * it. An invalid code (5000, 999, NaN, 1.5) is a soft failure: handled, never a crash.
 */
export const closeRow = (code: number, requested: boolean): Row =>
  requested ? NONE : (isValidCloseCode(code) && CLOSE[code]) || RECONNECT;

/** Kind of a close: `transport` when the link broke or the code is invalid, else `connection`. */
export const closeKind = (code: number, requested: boolean): FaultKind =>
  !requested && (TRANSPORT_CLOSE_CODES.has(code) || !isValidCloseCode(code))
    ? 'transport'
    : 'connection';

/** Transport failures all reconnect (offline waits for the `online` event first). */
export const TRANSPORT_ROW: Row = RECONNECT;
/** Client-side checks fail one frame or one request; the connection stays open. */
export const CLIENT_ROW: Row = NONE;

/**
 * Client codes about the connection itself rather than one frame or request. Retrying cannot
 * help the setup ones (no WebSocket, a malformed URL, credentials the app says are gone): the
 * same setup fails the same way every time.
 */
const CLIENT: Readonly<Partial<Record<ClientCode, Row>>> = {
  // The app's URL function failed: nothing reached the server; another attempt may get a token.
  url_failed: RECONNECT,
  no_websocket: STOP,
  invalid_url: STOP,
  invalid_protocols: STOP,
  unauthorized: REAUTH,
  // Delivery: the server broke the protocol on this connection; another may be served right.
  protocol_violation: RECONNECT,
  // Delivery: the session store cannot be read now: try again, but not at once.
  session_unavailable: BACKOFF,
};

/** Missed server messages that cannot be replayed: the app refetches; the connection is fine. */
const RESYNC: Row = ['recoverable', 'resync'];

/** Default row of a client-side check. */
export const clientRow = (code: ClientCode): Row =>
  code === 'resync' ? RESYNC : (CLIENT[code] ?? CLIENT_ROW);

/** Kind of a client fault: `connection` for the codes that stop the connection, else `application`. */
export const clientKind = (code: ClientCode): FaultKind =>
  Object.hasOwn(CLIENT, code) ? 'connection' : 'application';
