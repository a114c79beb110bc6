import type { ReactSocketOptions } from 'sockguard/react';

/**
 * The provider's options. The server URL comes from the page's `?ws=` parameter so one build
 * works against any server (CI starts one on a random port); the fallback is the repo's demo server.
 */
export function socketOptions(location: Pick<Location, 'search'>): ReactSocketOptions {
  const url = new URLSearchParams(location.search).get('ws') ?? 'ws://127.0.0.1:8787';
  return { url, connectTimeoutMs: 5000, lostAfterMs: 2000 };
}
