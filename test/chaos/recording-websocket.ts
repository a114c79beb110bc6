/**
 * A `ws` WebSocket wrapped for the chaos suite. It is the client's only way to the network, so it
 * sees every connection attempt as it is made (the constructor: `attempts while failed` is counted
 * here, not trusted to a wrapper of `reconnect()`), every numbered client message handed to it,
 * when the library gave the socket up (`close()`), how it ended, and its local port (which ties it
 * to the proxy's link, so a frozen link's detection time can be measured).
 */
import { WebSocket } from 'ws';
import type { SocketEventLike, WebSocketConstructor, WebSocketLike } from '../../src/index.js';

/** One WebSocket the client made. */
export interface RecordedSocket {
  readonly id: number;
  readonly createdAt: number;
  /** The local TCP port, once the upgrade answered. */
  localPort: number | null;
  /** When it opened, or null. */
  openedAt: number | null;
  /** When the library called `close()` on it (it gave the link up), or null. */
  closeCalledAt: number | null;
  /** When `ws` reported it closed, and with which code; null while not closed. */
  closedAt: number | null;
  closeCode: number | null;
}

/** What the recorder saw, and the constructor to give the socket. */
export interface Recorder {
  /** Pass as `options.WebSocket`. */
  readonly WebSocket: WebSocketConstructor;
  readonly sockets: RecordedSocket[];
  /** For each client message id (`data.id`), the sockets it was handed to, in order. */
  readonly handed: Map<number, RecordedSocket[]>;
  /** Called as each WebSocket is made: a connection attempt. */
  onCreate: (socket: RecordedSocket) => void;
}

type Listener = (event: SocketEventLike) => void;

/** The test's number of a client frame (`data.id`), read without parsing every frame. */
function idOf(text: string): number | undefined {
  if (!text.includes('"id":')) return undefined;
  const data = (JSON.parse(text) as { data?: { id?: unknown } | null }).data;
  return typeof data?.id === 'number' ? data.id : undefined;
}

/** A recorder with its `WebSocket` constructor. */
export function createRecorder(): Recorder {
  class RecordingWebSocket implements WebSocketLike {
    readonly #ws: WebSocket;
    readonly #record: RecordedSocket;

    constructor(url: string, protocols?: string | string[]) {
      const record: RecordedSocket = {
        id: recorder.sockets.length + 1,
        createdAt: Date.now(),
        localPort: null,
        openedAt: null,
        closeCalledAt: null,
        closedAt: null,
        closeCode: null,
      };
      this.#record = record;
      recorder.sockets.push(record);
      recorder.onCreate(record);
      this.#ws = new WebSocket(url, protocols);
      this.#ws.on('upgrade', (response) => {
        record.localPort = response.socket.localPort ?? null;
      });
      this.#ws.on('open', () => {
        record.openedAt = Date.now();
      });
      this.#ws.on('close', (code) => {
        record.closedAt = Date.now();
        record.closeCode = code;
      });
    }
    get readyState() {
      return this.#ws.readyState;
    }
    get bufferedAmount() {
      return this.#ws.bufferedAmount;
    }
    send(data: string) {
      const id = idOf(data);
      if (id !== undefined) {
        const list = recorder.handed.get(id) ?? [];
        list.push(this.#record);
        recorder.handed.set(id, list);
      }
      this.#ws.send(data);
    }
    close(code?: number, reason?: string) {
      this.#record.closeCalledAt ??= Date.now();
      this.#ws.close(code, reason);
    }
    addEventListener(type: string, listener: Listener) {
      this.#ws.addEventListener(type as 'message', listener as never);
    }
    removeEventListener(type: string, listener: Listener) {
      this.#ws.removeEventListener(type as 'message', listener as never);
    }
  }

  const recorder: Recorder = {
    WebSocket: RecordingWebSocket,
    sockets: [],
    handed: new Map(),
    onCreate: () => {},
  };
  return recorder;
}
