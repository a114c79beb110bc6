/**
 * The texts of the setup faults in development builds: a developer meets them first, so they name
 * the fix. Production builds show the text of the action (`texts.ts`), or `englishTexts()`.
 */
const SETUP: Readonly<Record<string, string>> = {
  no_websocket:
    'No WebSocket implementation here: pass WebSocket from the ws package to createSocket, or use Node 22 or newer.',
  invalid_url:
    'The connection URL is malformed: it must be a ws:// or wss:// URL (http:// and https:// are mapped to them).',
  invalid_protocols:
    'The connection subprotocols are malformed: protocols must give a string or an array of strings.',
};

/** The development text of a setup fault's code, or undefined. */
export const setupText = (code: number | string): string | undefined => SETUP[code];
