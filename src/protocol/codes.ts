/**
 * The code catalogs as data: app error codes (SPEC.md section 1) and WebSocket close codes (RFC 6455
 * section 7.4 and the IANA WebSocket Close Code Number registry). Severity and action come from the
 * classification table in `policy.ts`, so the catalog cannot disagree with `classify`. For docs,
 * logs and devtools: the client itself only needs `classify`.
 */
import type { AppErrorCodeValue } from './app-codes.js';
import type { FaultAction, FaultKind, FaultSeverity } from './fault.js';
import { closeKind, closeRow, envelopeRow } from './policy.js';

/** One catalog entry, with the default classification of the code. */
export interface CodeInfo {
  readonly name: string;
  readonly meaning: string;
  readonly severity: FaultSeverity;
  readonly action: FaultAction;
  readonly kind: FaultKind;
}

/** An app error code: {@link CodeInfo} plus its typical cause. */
export interface AppCodeInfo extends CodeInfo {
  readonly cause: string;
}

// Keyed by the app code list of `app-codes.ts`: a code added there fails to compile until it has
// its catalog entry here.
const APP: Readonly<
  Record<AppErrorCodeValue, readonly [name: string, meaning: string, cause: string]>
> = {
  4000: ['bad request', 'The request was malformed.', 'malformed JSON or missing fields'],
  4001: ['not found', 'The target does not exist.', 'room, user or resource not found'],
  4002: ['invalid action', 'The action is not allowed now.', 'sending to a closed room'],
  4003: ['unauthorized', 'Credentials are missing or expired.', 'token missing or expired'],
  4004: ['forbidden', 'The user lacks permission.', 'user lacks permission'],
  4005: ['rate limited', 'Too many requests.', 'too many requests'],
  5000: ['internal server error', 'The server failed unexpectedly.', 'unexpected backend failure'],
};

const CLOSE: Readonly<Record<number, readonly [name: string, meaning: string]>> = {
  1000: ['Normal Closure', 'The purpose of the connection was fulfilled.'],
  1001: ['Going Away', 'The endpoint is going away: server shutdown or page navigation.'],
  1002: ['Protocol Error', 'The endpoint received a frame that breaks the protocol.'],
  1003: ['Unsupported Data', 'The endpoint received a type of data it cannot accept.'],
  1004: ['Reserved', 'Reserved; never sent by an endpoint.'],
  1005: ['No Status Received', 'The close frame carried no status code (never sent).'],
  1006: ['Abnormal Closure', 'The connection dropped without a close frame (never sent).'],
  1007: ['Invalid Frame Payload Data', 'The payload did not match its type (e.g. bad UTF-8).'],
  1008: ['Policy Violation', 'A message violated the server policy.'],
  1009: ['Message Too Big', 'A message was too large to process.'],
  1010: ['Mandatory Extension', 'The server did not negotiate an extension the client needs.'],
  1011: ['Internal Error', 'The server met an unexpected condition.'],
  1012: ['Service Restart', 'The server is restarting.'],
  1013: ['Try Again Later', 'The server is overloaded or temporarily refusing clients.'],
  1014: ['Bad Gateway', 'A gateway or proxy got an invalid response from upstream.'],
  1015: ['TLS Handshake', 'The TLS handshake failed (never sent).'],
  3000: ['Unauthorized', 'The connection is not authenticated (IANA registered).'],
  3003: ['Forbidden', 'The client lacks permission (IANA registered).'],
  3008: ['Timeout', 'The server timed the connection out (IANA registered).'],
  4000: ['Bad Request', 'The server refused the request at connection level.'],
  4001: ['Not Found', 'The path, room or resource does not exist.'],
  4002: ['Invalid Action', 'The action is not possible now (e.g. the room closed).'],
  4003: ['Unauthorized', 'Credentials are missing or expired.'],
  4004: ['Forbidden', 'The user lacks permission.'],
  4005: ['Rate Limited', 'Too many requests or connections.'],
};

/** App error codes by number (SPEC.md section 1), with their default classification. */
export const APP_ERROR_CODES: Readonly<Record<number, AppCodeInfo>> = /* @__PURE__ */ (() => {
  const out: Record<number, AppCodeInfo> = {};
  for (const [code, [name, meaning, cause]] of Object.entries(APP)) {
    const [severity, action] = envelopeRow(Number(code));
    out[Number(code)] = { name, meaning, cause, severity, action, kind: 'application' };
  }
  return out;
})();

/**
 * Close codes by number: RFC 6455 1000-1015, IANA 3000/3003/3008, our 4000-4005. Severity and
 * action are for a close the client did not ask for.
 */
export const CLOSE_CODES: Readonly<Record<number, CodeInfo>> = /* @__PURE__ */ (() => {
  const out: Record<number, CodeInfo> = {};
  for (const [key, [name, meaning]] of Object.entries(CLOSE)) {
    const code = Number(key);
    const [severity, action] = closeRow(code, false);
    out[code] = { name, meaning, severity, action, kind: closeKind(code, false) };
  }
  return out;
})();

/** Name and meaning of any number as a close code; never throws. */
export function describeCloseCode(code: number): {
  readonly name: string;
  readonly meaning: string;
} {
  const known = Number.isInteger(code) ? CLOSE[code] : undefined;
  if (known) return { name: known[0], meaning: known[1] };
  if (!Number.isInteger(code) || code < 1000 || code > 4999) {
    return {
      name: 'invalid close code',
      meaning: 'Outside 1000-4999: not valid in a close frame.',
    };
  }
  if (code < 3000) {
    return { name: 'reserved', meaning: 'Reserved for the WebSocket protocol and its extensions.' };
  }
  if (code < 4000) {
    return { name: 'registered', meaning: 'Registered at IANA by a library or framework.' };
  }
  return { name: 'private', meaning: 'Private use: its meaning is agreed by the application.' };
}
