/**
 * Redaction of URLs and credentials before anything is stored, logged or shown. Tokens usually ride
 * in the query string of a WebSocket URL (browsers cannot set headers on the handshake), so a URL is
 * never kept with its query, fragment or user info.
 */

const REDACTED = '[redacted]';

/**
 * A URL without credentials: user info, query string and fragment are replaced by `[redacted]`.
 * Text that does not parse as a URL loses everything after the first `?` or `#`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const auth = parsed.username || parsed.password ? `${REDACTED}@` : '';
    const query = parsed.search ? `?${REDACTED}` : '';
    return `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname}${query}`;
  } catch {
    const cut = url.search(/[?#]/);
    return cut === -1 ? url : `${url.slice(0, cut)}?${REDACTED}`;
  }
}

// Why each pattern: URLs carry tokens in their query; `Bearer x`, `token=x`, `"password": "x"` are
// how credentials show up in server error text and close reasons; JWTs appear bare.
const URL_PATTERN = /\b(?:wss?|https?):\/\/[^\s"'<>]+/gi;
const BEARER_PATTERN = /\b(bearer|basic)\s+[\w\-.~+/]+=*/gi;
// A key may carry a prefix (`client_secret`, `x-api-key`, `db_password`): up to 40 `[\w-]` before
// it, bounded because an unbounded lazy prefix is quadratic on text like "a-a-a-a…".
const SECRET_PAIR_PATTERN =
  /\b([\w-]{0,40}?(?:token|api[_-]?key|apikey|secret|password|passwd|pwd|auth|authorization|credentials?|cookie|session(?:id)?|sig(?:nature)?))(["']?\s*[:=]\s*["']?)([^\s"'&,;}]+)/gi;
const JWT_PATTERN = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/** Text with URLs redacted ({@link redactUrl}) and anything that looks like a credential replaced. */
export function redactText(text: string): string {
  return text
    .replace(URL_PATTERN, (url) => redactUrl(url))
    .replace(BEARER_PATTERN, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(
      SECRET_PAIR_PATTERN,
      (_, key: string, separator: string) => `${key}${separator}${REDACTED}`,
    )
    .replace(JWT_PATTERN, REDACTED);
}
