/**
 * `englishTexts()`: English user texts per code, and the server's own text when it is short plain
 * prose (`safeServerText`). An import, so apps that show only the default texts (one per action,
 * texts.ts) or their own translations do not ship these tables and the sanitiser's patterns:
 *
 *     createSocket({ url, classification: { messages: englishTexts() } })
 */
import type { ClientCode, Fault, FaultAction, TransportCode } from './fault.js';
import { redactText } from './redact.js';

// C0 and C1 controls, DEL, zero-width characters and bidi overrides (which can make a text read
// differently from what it says). Tab, newline and CR are spaces first, so lines do not glue.
const LINE_BREAKS = /[\t\n\r]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const SPACES = /\s+/g;

/**
 * Signs of a stack trace, an internal error or a dump: a user must never see them (SPEC.md
 * section 2). A false positive costs only a generic text; the server text stays in the log detail.
 */
const INTERNAL = [
  // Stack frame lines ("    at fn (file.js:1:2)"), and the same frame once lines are joined.
  // `[ \t]+`, not `\s+`: it cannot cross lines, so blank lines cannot make the match quadratic.
  /^[ \t]+at\s[^\n]*:\d+/m,
  /\bat\s[^\s()]+\s?\([^()\s]*:\d+(?::\d+)?\)/,
  /\.(?:[cm]?[jt]sx?|py|rb|go|java|php|cs|rs|kt|scala|exs?)(?::\d+|", line \d)/, // file.js:12
  /Traceback \(most recent call last\)|File "[^"\n]+", line \d/, // Python
  /Exception in thread|\bgoroutine \d+ \[|\bpanic: |Segmentation fault/, // Java, Go, native
  /[\\/]node_modules[\\/]|(?:^|[\s"'(])\/(?:usr|home|var|opt|srv|root|tmp|etc)\/\S/, // paths
  /\b[A-Z]:\\\w/, // a Windows path
  /\b(?:Type|Reference|Syntax|Range|Key|Attribute|Value|Index|Null ?Pointer)(?:Error|Exception)\b/,
  /Cannot read propert(?:y|ies) of|\bis not a function\b/, // JavaScript runtime errors
  // SQL dumps: PostgreSQL's "ERROR:  " (two spaces), MySQL, Oracle, SQLite, constraint names.
  /\bERROR: {2}\S|\bat or near "|SQLSTATE|\bORA-\d{5}|\bSQLITE_[A-Z]|violates [\w -]{0,40}constraint/,
  /error in your SQL syntax/i,
  /<\/?[a-z][\w-]*(?:\s[^<>]*)?>/i, // markup: an HTML error page, or text that is not plain
];

/**
 * The server's text made safe for a user, or `undefined` when the caller should use a generic
 * text: not a string, empty, longer than `maxLength` once cleaned, or internal detail (see above).
 * Cleaning: controls removed (tab and newlines become spaces), whitespace collapsed, trimmed,
 * credentials and URLs redacted.
 * @param maxLength longest text shown; longer text is not cut (a cut can change the meaning).
 * @default maxLength 200
 */
export function safeServerText(text: unknown, maxLength = 200): string | undefined {
  if (typeof text !== 'string') return undefined;
  if (INTERNAL.some((pattern) => pattern.test(text))) return undefined;
  const clean = redactText(
    text.replace(LINE_BREAKS, ' ').replace(INVISIBLE, '').replace(SPACES, ' ').trim(),
  );
  return clean === '' || clean.length > maxLength ? undefined : clean;
}

// Few distinct strings, reused.
const LOST = 'Connection lost.';
const CLOSED = 'Connection closed.';
const SESSION = 'Your session has expired. Please sign in again.';
const FORBIDDEN = 'You do not have permission to do this.';
const REFUSED = 'The server refused the connection.';
const BROKEN = 'The connection failed.';
const FAILED = 'The request failed.';
const RETRY = 'Something went wrong. Please try again.';
const INVALID = 'Received an invalid message.';
const NO_CONNECT = 'Could not connect.';
const RESYNC = 'Some updates were missed while offline. Refreshing…';
const BUSY = 'The server is busy. Retrying shortly…';

/** Generic texts of error envelopes (shown when the server text is unusable), by app code. */
const ENVELOPE_TEXTS: Readonly<Record<number, string>> = {
  4003: SESSION,
  4004: FORBIDDEN,
  4005: 'Too many requests. Please wait a moment.',
  5000: RETRY,
};

/** Close codes with a text of their own; the others get a text for their action. */
const CLOSE_TEXTS: Readonly<Record<number, string>> = {
  1002: BROKEN,
  1003: BROKEN,
  1007: BROKEN,
  1008: REFUSED,
  1009: BROKEN,
  1010: BROKEN,
  1015: BROKEN,
  3000: SESSION,
  3003: FORBIDDEN,
  4000: REFUSED,
  4001: REFUSED,
  4002: REFUSED,
  4003: SESSION,
  4004: FORBIDDEN,
};

/** Texts of closes by their (possibly overridden) action. */
const ACTION_TEXTS: Readonly<Record<FaultAction, string>> = {
  none: CLOSED,
  reconnect: `${LOST} Reconnecting…`,
  backoff: BUSY,
  reauthenticate: SESSION,
  stop: CLOSED,
  resync: RESYNC,
};

const TRANSPORT_TEXTS: Readonly<Record<TransportCode, string>> = {
  connect_timeout: NO_CONNECT,
  heartbeat_timeout: LOST,
  network_lost: LOST,
  offline: 'You are offline.',
  unreachable: 'The server cannot be reached or refused the connection.',
  ack_timeout: LOST,
  hello_timeout: NO_CONNECT,
};

/** Generic texts of client-side checks. */
const CLIENT_TEXTS: Readonly<Partial<Record<ClientCode, string>>> = {
  invalid_frame: INVALID,
  invalid_envelope: INVALID,
  request_timeout: 'The request timed out.',
  request_aborted: 'The request was cancelled.',
  connection_closed: 'Connection closed before a reply.',
  queue_overflow: 'Too many messages. Please try again.',
  handler_error: RETRY,
  callback_error: RETRY,
  url_failed: 'Could not prepare the connection. Retrying…',
  // A setup bug, not a network state: the text names the fix for the developer who sees it first.
  no_websocket:
    'No WebSocket implementation here: pass WebSocket from the ws package to createSocket, or use Node 22 or newer.',
  invalid_url:
    'The connection URL is malformed: it must be a ws:// or wss:// URL (http:// and https:// are mapped to them).',
  invalid_protocols: 'The connection subprotocols are malformed.',
  unauthorized: SESSION,
  resync: RESYNC,
  not_acknowledged: 'A message could not be confirmed as delivered.',
  protocol_violation: `${LOST} Reconnecting…`,
  session_unavailable: BUSY,
  session_changed: 'A message from an earlier session was not sent.',
  not_durable: 'A message could not be saved on this device; it is still being sent.',
};

/** Options of {@link englishTexts}. */
export interface EnglishTextOptions {
  /** Server text longer than this is not shown (a generic text is). @default 200 */
  readonly maxLength?: number;
}

/**
 * English user texts per code: the server's own text for an error envelope when it is short
 * plain prose (never for 5000, a server bug), else a text per code, else one per action. A fault
 * whose action an override changed gets the text of what the socket does.
 */
export function englishTexts(
  options: EnglishTextOptions = {},
): (fault: Fault) => string | undefined {
  const max = options.maxLength ?? 200;
  return (fault: Fault): string | undefined => {
    const { action } = fault;
    switch (fault.source) {
      case 'envelope':
        return (
          (fault.code === 5000 ? undefined : safeServerText(fault.detail.serverMessage, max)) ??
          ENVELOPE_TEXTS[fault.code] ??
          FAILED
        );
      case 'close':
        return (action === 'none' ? undefined : CLOSE_TEXTS[fault.code]) ?? ACTION_TEXTS[action];
      case 'transport':
        return `${TRANSPORT_TEXTS[fault.code]}${action === 'reconnect' || action === 'backoff' ? ' Reconnecting…' : ''}`;
      case 'client':
        return CLIENT_TEXTS[fault.code];
    }
  };
}
