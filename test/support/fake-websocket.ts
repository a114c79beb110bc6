/**
 * Test-only: a WebSocket driven by hand, for the core's unit tests where msw cannot express the
 * situation (a handshake that hangs, a close at an exact moment). Each instance records what the
 * client did; the test plays the server with `open()`, `receive()` and `drop()`.
 */
import type {
  SocketEventLike,
  WebSocketConstructor,
  WebSocketLike,
} from '../../src/core/websocket.js';

type Listener = (event: SocketEventLike) => void;

export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  /** What `bufferedAmount` reports: bytes handed to `send` and not written yet. */
  bufferedAmount = 0;
  /** While true, `send` leaves its bytes in the buffer (a link that stopped draining). */
  holdWrites = false;
  /** Count frame headers in `bufferedAmount` as the `ws` package does (browsers count payload only). */
  countHeaders = false;
  readonly sent: string[] = [];
  closedByClient: { code: number | undefined; reason: string | undefined } | null = null;
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  addEventListener(type: string, listener: Listener): void {
    const set = this.#listeners.get(type) ?? new Set<Listener>();
    this.#listeners.set(type, set);
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Listeners still attached, per event type (to prove none leak). */
  listenerCount(type?: string): number {
    if (type) return this.#listeners.get(type)?.size ?? 0;
    return [...this.#listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error(`send while readyState ${this.readyState}`);
    this.sent.push(data);
    if (!this.holdWrites) return;
    const payload = new TextEncoder().encode(data).length;
    const header = 6 + (payload < 126 ? 0 : payload < 65_536 ? 2 : 8);
    this.bufferedAmount += payload + (this.countHeaders ? header : 0);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  #emit(event: SocketEventLike): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) listener(event);
  }

  /** The server accepted the handshake. */
  open(): void {
    this.readyState = 1;
    this.#emit({ type: 'open' });
  }

  /** A frame from the server (a plain object is sent as JSON; binary data as is). */
  receive(data: unknown): void {
    const binary = data instanceof ArrayBuffer || ArrayBuffer.isView(data);
    this.#emit({
      type: 'message',
      data: typeof data === 'string' || binary ? data : JSON.stringify(data),
    });
  }

  /** The server closed (or the link died: 1006, not clean). */
  drop(code = 1006, reason = '', wasClean = code !== 1006): void {
    this.readyState = 3;
    if (code === 1006) this.#emit({ type: 'error' });
    this.#emit({ type: 'close', code, reason, wasClean });
  }

  /** Parsed frames the client sent. */
  frames(): Array<{ type: string; data?: unknown; meta?: Record<string, unknown> }> {
    return this.sent.map((text) => JSON.parse(text));
  }
}

/** A constructor recording every instance, newest last. */
export function fakeWebSocketClass(): WebSocketConstructor & {
  instances: FakeWebSocket[];
  last(): FakeWebSocket;
} {
  const instances: FakeWebSocket[] = [];
  class Recorded extends FakeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      instances.push(this);
    }
  }
  return Object.assign(Recorded, {
    instances,
    last(): FakeWebSocket {
      const socket = instances.at(-1);
      if (!socket) throw new Error('no WebSocket was created');
      return socket;
    },
  });
}
