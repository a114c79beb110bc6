/**
 * Whether a connection URL can work, checked before the WebSocket constructor sees it: a throw
 * from the constructor says nothing about why, and a malformed URL must not look like a dead
 * server (it would fail the same way on every retry).
 */

import { why } from '../protocol/why.js';

/**
 * Schemes a WebSocket accepts: ws and wss; http and https, which browsers (and `ws`) map to
 * them; and `ws+unix`, the `ws` package's Unix socket scheme.
 */
const SCHEMES: ReadonlySet<string> = new Set(['ws:', 'wss:', 'http:', 'https:', 'ws+unix:']);

/** The page's URL, read at call time, so a relative URL resolves as a browser would resolve it. */
function pageUrl(): string | undefined {
  const href: unknown = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' ? href : undefined;
}

/**
 * Why `href` cannot be a WebSocket URL (a short text for logs, without the URL), or `undefined`
 * when it can. A relative URL is resolved against the page (none on a server: malformed there).
 */
export function urlProblem(href: string): string | undefined {
  let scheme: string;
  try {
    scheme = new URL(href, pageUrl()).protocol;
  } catch {
    return why('url_unparsed');
  }
  if (SCHEMES.has(scheme)) return undefined;
  // Only the scheme: a text built from the rest of the URL could carry its token.
  return why('url_scheme', JSON.stringify(scheme.slice(0, 20)));
}
