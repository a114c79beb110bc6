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

/**
 * Text with URLs redacted ({@link redactUrl}) and anything that looks like a credential replaced.
 * `known`: exact strings the caller knows are credentials ({@link redactKnown}), removed first,
 * wherever they appear: a server that echoes a token bare matches none of the patterns.
 */
export function redactText(text: string, known?: readonly string[]): string {
  return (known === undefined || known.length === 0 ? text : redactKnown(text, known))
    .replace(URL_PATTERN, (url) => redactUrl(url))
    .replace(BEARER_PATTERN, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(
      SECRET_PAIR_PATTERN,
      (_, key: string, separator: string) => `${key}${separator}${REDACTED}`,
    )
    .replace(JWT_PATTERN, REDACTED);
}

/**
 * Shortest string redacted as a known credential. A shorter query value (`v=2`, `lang=en`) is no
 * token, and replacing it everywhere would garble every text it appears in.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * `text` with every occurrence of each `known` string replaced by `[redacted]`. Longest first, so
 * that a secret containing another is removed whole; strings shorter than
 * {@link MIN_SECRET_LENGTH} are left alone.
 */
export function redactKnown(text: string, known: readonly string[]): string {
  let out = text;
  const longestFirst = [...known].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst)
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret))
      out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * The strings of a connection URL that may be credentials, as a server may echo them: each query
 * and fragment value (as written and decoded; a part without `=` whole) and the user name and
 * password. For {@link redactKnown}: the tokens a client put in the URL of its handshake.
 */
export function secretsOfUrl(url: string): string[] {
  const found = new Set<string>();
  const user = /^[a-z][\w+.-]*:\/\/([^/?#@]*)@/i.exec(url)?.[1];
  const parts = [...(user?.split(':') ?? []), ...url.split(/[?&#]/).slice(1)];
  for (const part of parts) {
    const value = part.slice(part.indexOf('=') + 1);
    found.add(value);
    try {
      found.add(decodeURIComponent(value.replace(/\+/g, ' ')));
    } catch {
      // Not percent-encoded text: as written only.
    }
  }
  return [...found].filter((value) => value.length >= MIN_SECRET_LENGTH);
}
