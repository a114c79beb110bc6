/**
 * The slice of the WebSocket API the client uses, so a browser's WebSocket, msw's mock, Node's
 * global one or the `ws` package all fit, and tests can inject their own.
 */

/** The fields of the events the client reads (msw's close event is not a `CloseEvent`). */
export interface SocketEventLike {
  readonly type: string;
  readonly data?: unknown;
  readonly code?: number;
  readonly reason?: string;
  readonly wasClean?: boolean;
}

/** A WebSocket as the client drives it. */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /**
   * Bytes handed to `send` and not yet written (browsers, `ws`). Optional: without it, frames that
   * were still in the buffer when the link died cannot be told apart and are not sent again.
   */
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: SocketEventLike) => void): void;
  removeEventListener(type: string, listener: (event: SocketEventLike) => void): void;
}

/** `new WebSocket(url, protocols)`. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

export const OPEN = 1;

/**
 * The WebSocket to connect with: the injected one, else the global one, read when a connection
 * starts (never at import: SSR-safe, mock-friendly). `undefined` when there is none (a server, or
 * Node < 22, whose global WebSocket is missing or behind a flag).
 */
export function findWebSocket(
  injected: WebSocketConstructor | undefined,
): WebSocketConstructor | undefined {
  const ctor: unknown = injected ?? Reflect.get(globalThis, 'WebSocket');
  return typeof ctor === 'function' ? (ctor as WebSocketConstructor) : undefined;
}
