/**
 * The texts a fault shows by default: one per action, so what the text says is what the socket
 * does (an override that turns a close into `none` never says "Reconnecting…"). Short on purpose:
 * they ship in every client bundle. Texts per code, and the server's own text made safe, are
 * `englishTexts()` (english.ts), an import; an app's own texts go in `classification.messages`.
 */
import type { FaultAction, FaultSource } from './fault.js';
import { setupText } from './setup-texts.js';

// The development-only form of core/dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

const BY_ACTION: Readonly<Record<FaultAction, string>> = {
  none: 'Something went wrong.',
  reconnect: 'Connection lost. Reconnecting…',
  backoff: 'The server is busy. Retrying shortly…',
  reauthenticate: 'Your session has expired. Please sign in again.',
  stop: 'The connection failed.',
  resync: 'Some updates were missed. Refreshing…',
};

/** The default text of a fault. A close the client asked for is never described as a failure. */
export function defaultText(
  source: FaultSource,
  code: number | string,
  action: FaultAction,
  requested: boolean,
): string {
  if (requested) return 'Connection closed.';
  const text =
    code === 'offline'
      ? 'You are offline.'
      : source === 'envelope' && action === 'none'
        ? 'The request failed.'
        : BY_ACTION[action];
  // Development only: production bundles drop this and its texts.
  try {
    if (process.env.NODE_ENV !== 'production') return setupText(code) ?? text;
  } catch {
    return setupText(code) ?? text; // no `process`: development
  }
  return text;
}
