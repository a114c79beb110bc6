/**
 * A `ws` WebSocket wrapped for the chaos suite: it records every connection attempt, every `msg`
 * frame handed to it (by sequence number) and the close code it ended with, so the suite can tell a
 * frame lost on a link a fault killed from one lost silently.
 */
import { WebSocket } from 'ws';
import type { SocketEventLike, WebSocketConstructor, WebSocketLike } from '../../src/index.js';

/** One WebSocket the client made. */
export interface RecordedSocket {
  readonly id: number;
  readonly createdAt: number;
  /** The close code `ws` reported, or null while not closed. */
  closeCode: number | null;
}

export interface Recorder {
  /** Pass as `options.WebSocket`. */
  readonly WebSocket: WebSocketConstructor;
  readonly sockets: RecordedSocket[];
  /** For each `msg` seq, the sockets it was handed to (more than one would be a duplicate send). */
  readonly handed: Map<number, RecordedSocket[]>;
  /** Every `msg` seq in the order the client handed it to a WebSocket. */
  readonly sendOrder: number[];
  /** Called as each WebSocket is made (a connection attempt). */
  onCreate: (socket: RecordedSocket) => void;
}

type Listener = (event: SocketEventLike) => void;

export function createRecorder(): Recorder {
  class RecordingWebSocket implements WebSocketLike {
    readonly #ws: WebSocket;
    readonly #record: RecordedSocket;

    constructor(url: string, protocols?: string | string[]) {
      this.#ws = new WebSocket(url, protocols);
      this.#record = { id: recorder.sockets.length + 1, createdAt: Date.now(), closeCode: null };
      const record = this.#record;
      recorder.sockets.push(record);
      this.#ws.on('close', (code) => {
        record.closeCode = code;
      });
      recorder.onCreate(record);
    }
    get readyState() {
      return this.#ws.readyState;
    }
    send(data: string) {
      if (data.includes('"type":"msg"')) {
        const seq = (JSON.parse(data) as { data: { seq: number } }).data.seq;
        const list = recorder.handed.get(seq) ?? [];
        list.push(this.#record);
        recorder.handed.set(seq, list);
        recorder.sendOrder.push(seq);
      }
      this.#ws.send(data);
    }
    close(code?: number, reason?: string) {
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
    sendOrder: [],
    onCreate: () => {},
  };
  return recorder;
}
