/**
 * One WebSocket and its listeners. Once the socket abandons it (timeout, dead link, close) its
 * listeners are removed first, so a late event from an old WebSocket can never touch the new one.
 */
import { OPEN, type SocketEventLike, type WebSocketConstructor } from './websocket.js';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

export interface ConnectionEvents {
  open(): void;
  message(data: unknown): void;
  /** The WebSocket closed by itself (server, network). Not called after `abandon`. */
  close(info: CloseInfo): void;
}

export interface Connection {
  readonly isOpen: boolean;
  /** False when the WebSocket is not open (the caller queues instead: nothing is lost silently). */
  send(text: string): boolean;
  /** Stops listening, then closes the WebSocket (cleanly when it can). */
  abandon(code?: number, reason?: string): void;
}

/** Opens a WebSocket; throws what its constructor throws (a malformed URL). */
export function openConnection(
  WebSocket: WebSocketConstructor,
  url: string,
  protocols: string | string[] | undefined,
  events: ConnectionEvents,
): Connection {
  const ws = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
  let live = true;
  const onOpen = () => events.open();
  const onMessage = (event: SocketEventLike) => events.message(event.data);
  const onClose = (event: SocketEventLike) => {
    detach();
    events.close({
      code: typeof event.code === 'number' ? event.code : 1006,
      reason: typeof event.reason === 'string' ? event.reason : '',
      wasClean: event.wasClean === true,
    });
  };
  // An `error` event is always followed by `close`, which carries what can be known. This listener
  // stays after `abandon`: the `ws` package throws an `error` event nobody listens to (and emits one
  // when a connecting socket is closed), which would crash a Node process.
  const onError = () => {};
  const detach = () => {
    if (!live) return;
    live = false;
    ws.removeEventListener('open', onOpen);
    ws.removeEventListener('message', onMessage);
    ws.removeEventListener('close', onClose);
  };
  ws.addEventListener('open', onOpen);
  ws.addEventListener('message', onMessage);
  ws.addEventListener('close', onClose);
  ws.addEventListener('error', onError);

  return {
    get isOpen() {
      return live && ws.readyState === OPEN;
    },
    send(text) {
      if (!live || ws.readyState !== OPEN) return false;
      ws.send(text);
      return true;
    },
    abandon(code = 1000, reason = '') {
      detach();
      try {
        ws.close(code, reason);
      } catch {
        // Browsers accept only 1000 and 3000–4999 from scripts; anything else still closes.
        ws.close();
      }
    },
  };
}
