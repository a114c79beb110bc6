import type { WebSocket } from 'ws';
import {
  type ErrorEnvelopeOptions,
  type HistoryStore,
  type MemoryHistoryOptions,
  type Session,
  sendEnvelope,
  sendError,
  type WireMeta,
} from '../src/server/index.js';

/** Options of the demo server. Every duration is short-able so tests never sleep long. */
export interface DemoOptions {
  /** Port to listen on; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** How long a `restart` refuses new connections before coming back. @default 2000 */
  readonly restartPauseMs?: number;
  /** How long `silence` keeps a socket mute (no pong, no frame). @default 60_000 */
  readonly silenceMs?: number;
  /** How long `refuse` answers upgrades with HTTP 503, unless the control gives `seconds`. @default 10_000 */
  readonly refuseMs?: number;
  /** The `retry_after_ms` of a `rate-limit`. @default 3000 */
  readonly retryAfterMs?: number;
  /** Chat messages per second allowed per socket before a real 4005. @default 10 */
  readonly maxMessagesPerSecond?: number;
  /** Logs each connection and fault. @default false */
  readonly log?: boolean;
  /** How long a delivery session waits for its client to come back. @default 120_000 */
  readonly sessionTtlMs?: number;
  /** Bounds of each session's history (a small `maxMessages` shows a resync). @default {} */
  readonly history?: MemoryHistoryOptions;
  /** Where sessions live instead of memory (`REDIS_URL` gives a Redis store). @default memory */
  readonly store?: HistoryStore | undefined;
}

/** A connected socket and what the demo knows about it. */
export interface DemoClient {
  readonly id: string;
  readonly socket: WebSocket;
  readonly rooms: Set<string>;
  /**
   * The session its frames come from, known at its first frame. With delivery on, the session
   * outlives the socket: it stays in its rooms while disconnected, so what is said there is kept
   * and replayed when the client resumes.
   */
  peer: Session | undefined;
  /** Epoch ms until which the socket gets nothing at all (the `silence` fault). */
  silentUntil: number;
  /** Start of the current one-second rate window, and the messages counted in it. */
  windowStart: number;
  windowCount: number;
}

/** A chat room; a closed room refuses messages with 4002. */
export interface Room {
  readonly name: string;
  readonly closed: boolean;
  readonly members: Set<DemoClient>;
}

/** Everything the demo server keeps. */
export interface DemoState {
  readonly options: Required<DemoOptions>;
  readonly clients: Set<DemoClient>;
  readonly rooms: Map<string, Room>;
  /** Epoch ms until which upgrades get HTTP 503 (`refuse`, `restart`). */
  refuseUntil: number;
  log(message: string): void;
}

export const defaultOptions: Required<DemoOptions> = {
  port: 8787,
  host: '127.0.0.1',
  restartPauseMs: 2000,
  silenceMs: 60_000,
  refuseMs: 10_000,
  retryAfterMs: 3000,
  maxMessagesPerSecond: 10,
  log: false,
  sessionTtlMs: 120_000,
  history: {},
  store: undefined,
};

export function createState(options: DemoOptions): DemoState {
  const resolved = { ...defaultOptions, ...options };
  const room = (name: string, closed = false): [string, Room] => [
    name,
    { name, closed, members: new Set() },
  ];
  return {
    options: resolved,
    clients: new Set(),
    rooms: new Map([room('general'), room('random'), room('archive', true)]),
    refuseUntil: 0,
    log: (message) => {
      if (resolved.log) console.log(message);
    },
  };
}

/** Whether the `silence` fault currently mutes this socket. */
export function isSilent(client: DemoClient): boolean {
  return Date.now() < client.silentUntil;
}

/** Sends an envelope unless the socket is silenced: through its session once known (numbered with delivery on). */
export function send(client: DemoClient, type: string, data: unknown, meta?: WireMeta): boolean {
  if (isSilent(client)) return false;
  if (client.peer === undefined) return sendEnvelope(client.socket, type, data, meta);
  void client.peer.send(type, data, meta);
  return true;
}

/** Sends an error envelope, through the session once known. */
export function sendErrorTo(
  client: DemoClient,
  code: number,
  message: string,
  options: ErrorEnvelopeOptions = {},
): void {
  if (client.peer === undefined) sendError(client.socket, code, message, options);
  else void client.peer.sendError(code, message, options);
}
