/**
 * One WebSocket and its listeners. Once the socket abandons it (timeout, dead link, close) its
 * listeners are removed first, so a late event from an old WebSocket can never touch the new one.
 */
import type { Frame as OutboundFrame } from './extension.js';
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
  /**
   * False when the WebSocket is not open (the caller queues instead: nothing is lost silently).
   * A `frame` given can be sent again when the link dies before the WebSocket's buffer wrote it.
   */
  send(text: string, frame?: OutboundFrame): boolean;
  /**
   * The tracked frames not (wholly) written yet, oldest first, from `bufferedAmount`: when the
   * link dies they never reached the server, so they can go again on the next connection without
   * being doubled. Empty for a WebSocket that does not report `bufferedAmount`.
   */
  unsent(): OutboundFrame[];
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
  /** Tracked frames that may still be in the send buffer, oldest first, with their sizes. */
  // Every send is counted (pings too: their bytes share the buffer), only frames are sent again.
  const buffered: Array<{ readonly frame: OutboundFrame | undefined; readonly bytes: number }> = [];
  /**
   * Browsers count payload bytes in `bufferedAmount` (the spec); the `ws` package counts the
   * frames as written to its TCP socket, headers and mask included. Seen once (a send that grew
   * the buffer by more than its payload), headers are counted too, so a frame already written is
   * never taken for unsent (which would double it).
   */
  let framed = false;
  const size = (bytes: number) => (framed ? bytes + frameOverhead(bytes) : bytes);
  /** The sizes of `buffered`, kept as frames come and go (summed again only if `framed` flips). */
  let total = 0;
  const pendingBytes = (): number | null => {
    const pending: unknown = ws.bufferedAmount;
    return typeof pending === 'number' ? pending : null;
  };
  /** Forgets the frames the buffer no longer holds: the later ones account for every byte left. */
  const trim = (pending: number) => {
    while (buffered.length > 0 && total - size(buffered[0]?.bytes ?? 0) >= pending) {
      total -= size(buffered.shift()?.bytes ?? 0);
    }
  };
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
  const listeners = [
    ['open', onOpen],
    ['message', onMessage],
    ['close', onClose],
  ] as const;
  const detach = () => {
    if (!live) return;
    live = false;
    for (const [type, listener] of listeners) ws.removeEventListener(type, listener);
  };
  for (const [type, listener] of listeners) ws.addEventListener(type, listener);
  // An `error` event is always followed by `close`, which carries what can be known. This listener
  // stays after `abandon`: the `ws` package throws an `error` event nobody listens to (and emits one
  // when a connecting socket is closed), which would crash a Node process.
  ws.addEventListener('error', () => {});

  return {
    send(text, frame) {
      if (!live || ws.readyState !== OPEN) return false;
      const before = pendingBytes();
      ws.send(text);
      if (before === null) return true;
      const after = pendingBytes() ?? 0;
      const bytes = utf8Length(text);
      if (!framed && after - before > bytes) {
        framed = true;
        total = buffered.reduce((sum, entry) => sum + size(entry.bytes), 0);
      }
      // Nothing waits in the buffer (the common case): nothing to track, no walk over the list.
      if (after === 0) {
        buffered.length = 0;
        total = 0;
        return true;
      }
      buffered.push({ frame, bytes });
      total += size(bytes);
      trim(after);
      return true;
    },
    unsent() {
      const pending = pendingBytes();
      if (pending === null || pending === 0) return [];
      trim(pending);
      return buffered.flatMap((entry) => (entry.frame === undefined ? [] : [entry.frame]));
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

/** Bytes of `text` in UTF-8 (what `bufferedAmount` counts), without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is 4 bytes for 2 code units.
      bytes += 2;
      i += 1;
    } else bytes += 2;
  }
  return bytes;
}

/** Header bytes of a client frame: 2, the extended length, and the 4-byte mask (RFC 6455 5.2). */
const frameOverhead = (payload: number): number =>
  6 + (payload < 126 ? 0 : payload < 65_536 ? 2 : 8);
