import type { WebSocketHandlerConnection } from 'msw';

/** The client side of one msw WebSocket connection. */
export type MockClient = WebSocketHandlerConnection['client'];

/** The parts of msw's mock `WebSocket` reached through `client.socket` (public on msw's class). */
interface MockSocket {
  readonly readyState: number;
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
  dispatchEvent(event: Event): boolean;
}

const CONNECTING = 0;
const OPEN = 1;

function isMockSocket(value: unknown): value is MockSocket {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'dispatchEvent') === 'function' &&
    typeof Reflect.get(value, 'addEventListener') === 'function' &&
    typeof Reflect.get(value, 'readyState') === 'number'
  );
}

/** The page's WebSocket behind an msw client, when msw exposes it (it does in msw 2.x). */
function mockSocketOf(client: MockClient): MockSocket | undefined {
  const socket: unknown = Reflect.get(client, 'socket');
  return isMockSocket(socket) ? socket : undefined;
}

/** Whether the page's socket can still receive frames (open, or about to open). */
export function isLive(client: MockClient): boolean {
  const socket = mockSocketOf(client);
  return socket === undefined || socket.readyState === OPEN || socket.readyState === CONNECTING;
}

/**
 * Closes after every frame already sent has been delivered. msw delivers a `send` on a microtask
 * (and only once the socket opened), and drops it if the socket is closing by then: closing in the
 * same tick would lose an error envelope sent just before. A microtask keeps this fake-timer proof.
 */
export function closeAfterSends(client: MockClient, code: number, reason: string): void {
  const close = () => queueMicrotask(() => client.close(code, reason));
  const socket = mockSocketOf(client);
  if (socket?.readyState === CONNECTING) socket.addEventListener('open', close, { once: true });
  else close();
}

/**
 * Closes the way a broken link does in a browser: an `error` event, then close code 1006.
 * msw marks the close as clean (`wasClean: true`); the code is what clients act on.
 */
export function abort(client: MockClient): void {
  mockSocketOf(client)?.dispatchEvent(new Event('error'));
  client.close(1006, '');
}
