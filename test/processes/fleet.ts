/**
 * The clients: the real sockguard client (`createSocket` with `delivery()`, `ws` as its
 * WebSocket), each with its own user token, through the proxy. Each keeps its own books: what
 * became of every send (its receipt), every push its handlers saw (by id, with its session and
 * seq), and what its connections did. A thin wrapper around `ws` is the client's only way to the
 * network: it records every hello it wrote and every welcome as it arrived (its listener runs
 * before the library's), and every connection's end, on the machine-wide clock of shared.ts.
 */
import { WebSocket } from 'ws';
import {
  createSocket,
  delivery,
  deliveryOf,
  isFaultError,
  type Socket,
  type SocketEventLike,
  type WebSocketConstructor,
  type WebSocketLike,
} from '../../src/index.js';
import {
  type ClientMessage,
  mintToken,
  now,
  type PushMessage,
  type PushOrder,
  userName,
} from './shared.js';

/** A send's fate as the app was told it. */
export type Fate = 'pending' | 'acknowledged' | 'unconfirmed' | 'rejected';

export interface SendRecord {
  readonly p: number;
  fate: Fate;
  /** The fault code of a rejection. */
  code?: string;
}

export interface SeenRecord {
  count: number;
  /** When the handlers saw it the second time (the first duplicate). */
  againAt?: number;
}

export interface WelcomeSeen {
  readonly at: number;
  readonly session: string;
  readonly resumed: boolean;
  readonly reason: string | undefined;
  readonly seq: number;
  /** The hello it answered: the session asked for (null on a first connection) and its last_seq. */
  readonly asked: string | null;
  readonly last: number;
}

export interface FleetClient {
  readonly index: number;
  readonly user: string;
  readonly socket: Socket;
  readonly sends: Map<number, SendRecord>;
  readonly seen: Map<string, SeenRecord>;
  readonly welcomes: WelcomeSeen[];
  /** When each connection ended (close seen), and with which code. */
  readonly closes: Array<{ readonly at: number; readonly code: number }>;
  /** When each connection was attempted (a WebSocket made) and when it opened, if it did. */
  readonly attempts: Array<{ readonly at: number; openedAt?: number }>;
  /** Connections that never opened (the proxy refused the upgrade, say). */
  refusedUpgrades: number;
  /** Faults the client reported, by code. */
  readonly faults: Map<string, number>;
  /** When each `resync` fault was reported (the app was told to fetch its state again). */
  readonly resyncs: number[];
  /** Delivery went `plain` (at most once for the rest of the socket's life). */
  downgradedAt: number | undefined;
  /** Sends one numbered message in phase `p`. */
  send(p: number): void;
  /** Its session now (the last welcome's). */
  session(): string | null;
  /** Open with delivery on. */
  ready(): boolean;
  /** The next push id for it. */
  nextPush(p: number): PushOrder | undefined;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

type Listener = (event: SocketEventLike) => void;

/** A `ws` WebSocket that tells `client` about hellos, welcomes and closes. */
function recordingWebSocket(client: () => FleetClient): WebSocketConstructor {
  return class RecordingWebSocket implements WebSocketLike {
    readonly #ws: WebSocket;
    #asked: string | null = null;
    #last = 0;

    constructor(url: string, protocols?: string | string[]) {
      this.#ws = new WebSocket(url, protocols);
      const attempt: { at: number; openedAt?: number } = { at: now() };
      client().attempts.push(attempt);
      this.#ws.on('open', () => {
        attempt.openedAt = now();
      });
      this.#ws.on('error', () => {});
      this.#ws.on('message', (raw) => {
        const text = String(raw);
        if (!text.includes('"sockguard.welcome"')) return;
        const data = (
          JSON.parse(text) as {
            data: { session: string; resumed: boolean; reason?: string; seq: number };
          }
        ).data;
        client().welcomes.push({
          at: now(),
          session: data.session,
          resumed: data.resumed,
          reason: data.reason,
          seq: data.seq,
          asked: this.#asked,
          last: this.#last,
        });
      });
      this.#ws.on('close', (code) => {
        const self = client();
        self.closes.push({ at: now(), code });
        if (attempt.openedAt === undefined) self.refusedUpgrades += 1;
      });
    }
    get readyState() {
      return this.#ws.readyState;
    }
    get bufferedAmount() {
      return this.#ws.bufferedAmount;
    }
    send(data: string) {
      if (data.includes('"sockguard.hello"')) {
        const hello = (JSON.parse(data) as { data: { session: string | null; last_seq: number } })
          .data;
        this.#asked = hello.session;
        this.#last = hello.last_seq;
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
  };
}

export function createFleetClient(index: number, url: string, secret: string): FleetClient {
  const user = userName(index);
  const token = mintToken(secret, user);
  let n = 0;
  let pushes = 0;
  const client: FleetClient = {
    index,
    user,
    socket: createSocket({
      url: `${url}?token=${encodeURIComponent(token)}`,
      WebSocket: recordingWebSocket(() => client),
      // Connected below, once `client` exists (its WebSocket writes into it).
      autoConnect: false,
      environment: false,
      // Everything else as an app leaves it: the default backoff (full jitter, 1 s base), the
      // heartbeat, delivery's defaults (5 s for the welcome, 10 s for an ack, 5 resends).
      delivery: delivery(),
      errors: {
        onFault: (fault) => {
          bump(client.faults, String(fault.code));
          if (fault.code === 'resync') client.resyncs.push(now());
        },
      },
    }),
    sends: new Map(),
    seen: new Map(),
    welcomes: [],
    closes: [],
    attempts: [],
    refusedUpgrades: 0,
    faults: new Map(),
    resyncs: [],
    downgradedAt: undefined,
    send(p) {
      n += 1;
      const record: SendRecord = { p, fate: 'pending' };
      client.sends.set(n, record);
      const data: ClientMessage = { c: index, n, p };
      const result = client.socket.send('msg', data);
      if (result.status === 'rejected') {
        record.fate = 'rejected';
        record.code = String(result.fault.code);
        return;
      }
      if (result.delivered === undefined) {
        // No receipt at all: delivery is off on this socket.
        record.fate = 'unconfirmed';
        return;
      }
      result.delivered.then(
        (delivered) => {
          record.fate = delivered;
        },
        (error: unknown) => {
          record.fate = 'rejected';
          record.code = isFaultError(error) ? String(error.fault.code) : 'not a FaultError';
        },
      );
    },
    session: () => deliveryOf(client.socket).getSnapshot().session,
    ready: () =>
      client.socket.getSnapshot().status === 'open' &&
      deliveryOf(client.socket).getSnapshot().mode === 'on',
    nextPush(p) {
      const session = client.session();
      if (session === null) return undefined;
      pushes += 1;
      return { id: `${index}.${pushes}`, session, p };
    },
  };
  deliveryOf(client.socket).subscribe(() => {
    if (deliveryOf(client.socket).getSnapshot().mode === 'plain') client.downgradedAt ??= now();
  });
  client.socket.on('push', (envelope) => {
    const { id } = envelope.data as PushMessage;
    const record = client.seen.get(id);
    if (record === undefined) client.seen.set(id, { count: 1 });
    else {
      record.count += 1;
      record.againAt ??= now();
    }
  });
  client.socket.connect();
  return client;
}
