/**
 * The chaos backend: a real `ws` server behind `sockguard/server`'s session layer
 * (`createSessionServer`), so a delivery client gets acks, dedupe, numbering and replay, and a
 * plain client is served at most once, as before. It keeps the server side's books by message id:
 * - client to server: each `msg` and `req` carries the test's number in `data.id`; the backend
 *   records when its processing completed, in which history epoch, and in which order;
 * - server to client: it publishes numbered `push` messages (`data.n`) to the client's session
 *   at a steady rate (with delivery a detached session keeps them for the replay; without, a
 *   push finds the current connection or nobody);
 * and injects faults on command: error envelopes, fatal closes (4003/4004), and restarts. A restart
 * is a crash: every socket is cut, nothing in flight completes, the process is down for a while and
 * comes back on a new port. The history store survives it (as Redis would) unless the restart is
 * one that loses the history: then the client must be told (`resync`), never left with a gap.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Envelope } from '../../src/index.js';
import {
  closeWithError,
  createMemoryHistory,
  createSessionServer,
  type HistoryStore,
  type Session,
  type SessionServer,
  sendEnvelope,
  sendError,
} from '../../src/server/index.js';
import type { Random } from './random.js';

/** Codes of the unsolicited error envelopes; 4003/4004 without a close stay app-level. */
export const ENVELOPE_CODES = [4000, 4001, 4002, 4003, 4004, 4005, 5000] as const;
/** Codes of error replies to requests. */
const REPLY_CODES = [4000, 4001, 4002, 4005, 5000] as const;

/** One published server message. */
export interface Push {
  readonly epoch: number;
  /** The delivery session it was published to (undefined for a plain client). */
  readonly session: string | undefined;
  /**
   * `pending`: handed to the session layer, not numbered yet; `numbered`: kept in the history;
   * `refused`: the layer numbered nothing (not a loss: the app was told); `written`: written to
   * the plain client's connection; `nobody`: no connection to write it to (plain client).
   */
  state: 'pending' | 'numbered' | 'refused' | 'written' | 'nobody';
}

/** The server side's books. */
export interface ServerBooks {
  /** For each client message id, the history epoch of each completed processing. */
  readonly completed: Map<number, number[]>;
  /** When each client message's processing first completed (epoch ms). */
  readonly completedAt: Map<number, number>;
  /** Processing a crash cut short (no reply numbered, no ack): the message comes again. */
  interrupted: number;
  /** Answers the session layer refused because it was closing (a graceful restart). */
  refusedWhileClosing: number;
  graceful: number;
  /** A message completed after a higher id: in one epoch (delivery) or one connection (plain). */
  outOfOrder: number;
  readonly pushes: Map<number, Push>;
  readonly stats: { requests: number; replies: number; errorReplies: number };
  /** Sessions whose history a restart lost. */
  readonly lostSessions: Set<string>;
  /** History generation: bumped by each restart that loses the history. */
  epoch: number;
  restarts: number;
  historyLosses: number;
  /** What the session layer reported through `onError`, and answers it refused: must stay empty. */
  readonly errors: string[];
}

/** The running backend, across its restarts. */
export interface Backend {
  /** The port it listens on now (a restart changes it; the proxy follows). */
  readonly port: number;
  readonly books: ServerBooks;
  /** Sends an unsolicited error envelope to the client; false when it is not connected. */
  errorEnvelope(): boolean;
  /** Sends an error envelope and closes with `code`; false when the client is not connected. */
  fatalClose(code: 4003 | 4004): boolean;
  /** A crash; `graceful`: a deploy (the layer's `close()` first, handlers in flight run on). */
  restart(downMs: number, loseHistory: boolean, graceful?: boolean): Promise<void>;
  /** Publishes one push every `everyMs` until `stopPushes`. */
  startPushes(everyMs: number): void;
  stopPushes(): void;
  /** The delivery session the client holds now, if this instance holds it. */
  session(): Session | undefined;
  close(): Promise<void>;
}

interface Instance {
  crashed: boolean;
  closing: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What a crashed process does next: nothing, ever. */
const never = () => new Promise<void>(() => {});

/** Far beyond any soak: only the restarts that lose it may lose the history. */
const history = (): HistoryStore =>
  createMemoryHistory({ maxMessages: 500_000, maxBytes: 256 * 1024 * 1024, maxAgeMs: 3_600_000 });

/** Starts the backend; `delivery` says whether the client speaks the delivery extension. */
export async function startBackend(random: Random, delivery: boolean): Promise<Backend> {
  const books: ServerBooks = {
    completed: new Map(),
    completedAt: new Map(),
    interrupted: 0,
    refusedWhileClosing: 0,
    graceful: 0,
    outOfOrder: 0,
    pushes: new Map(),
    stats: { requests: 0, replies: 0, errorReplies: 0 },
    lostSessions: new Set(),
    epoch: 0,
    restarts: 0,
    historyLosses: 0,
    errors: [],
  };
  let store = history();
  let wss: WebSocketServer | null = null;
  let sessions: SessionServer<WebSocket> | null = null;
  let port = 0;
  /** The running instance: a restart marks it crashed (nothing of it runs on) or closing. */
  let instance: Instance = { crashed: false, closing: false };
  /** The session the one client last sent on. */
  let clientSession: string | undefined;
  let lastInEpoch = 0;
  const lastOnConnection = new WeakMap<WebSocket, number>();
  let pushes: NodeJS.Timeout | null = null;
  let pushed = 0;

  const complete = (id: number, socket: WebSocket) => {
    const epochs = books.completed.get(id) ?? [];
    epochs.push(books.epoch);
    books.completed.set(id, epochs);
    if (!books.completedAt.has(id)) books.completedAt.set(id, Date.now());
    if (delivery) {
      if (id < lastInEpoch) books.outOfOrder += 1;
      lastInEpoch = Math.max(lastInEpoch, id);
    } else {
      if (id < (lastOnConnection.get(socket) ?? 0)) books.outOfOrder += 1;
      lastOnConnection.set(socket, Math.max(id, lastOnConnection.get(socket) ?? 0));
    }
  };

  const onMessage =
    (mine: Instance) => (envelope: Envelope, session: Session, socket: WebSocket) => {
      const data = envelope.data as { id?: unknown } | null;
      const id = typeof data?.id === 'number' ? data.id : undefined;
      if (id === undefined) return;
      // The session the client sends on is the one it holds (a session started for a connection
      // it had already given up never hears from it).
      if (session.id !== undefined) clientSession = session.id;
      if (envelope.type === 'msg') return complete(id, socket);
      const requestId = envelope.meta?.request_id;
      if (envelope.type !== 'req' || typeof requestId !== 'string') return;
      books.stats.requests += 1;
      // A plain client has no acks: its request is processed when it arrives.
      if (!delivery) complete(id, socket);
      const code = random.chance(0.05) ? random.pick(REPLY_CODES) : null;
      const answer = async () => {
        const seq =
          code === null
            ? await session.reply(envelope, 'reply', { id })
            : await session.sendError(code, `request ${id} failed`, {
                requestId,
                ...(code === 4005 ? { retryAfterMs: 20 } : {}),
              });
        if (code === null) books.stats.replies += 1;
        else books.stats.errorReplies += 1;
        if (!delivery) return;
        // With delivery, processing is complete once the answer is in the history; the layer acks
        // after this Promise. A crash before that: no answer, no ack, the client sends it again.
        if (mine.crashed) {
          books.interrupted += 1;
          return never();
        }
        if (seq !== undefined) complete(id, socket);
        else if (mine.closing) books.refusedWhileClosing += 1;
        else books.errors.push(`the answer to request ${id} was not numbered`);
      };
      if (!random.chance(0.2)) return answer();
      return sleep(random.int(1, 20)).then(() => {
        if (mine.crashed && delivery) {
          books.interrupted += 1;
          return never();
        }
        return answer();
      });
    };

  const listen = async () => {
    const mine: Instance = { crashed: false, closing: false };
    instance = mine;
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const layer = createSessionServer<WebSocket>({
      onMessage: onMessage(mine),
      history: store,
      ackDelayMs: 10,
      sessionTtlMs: 3_600_000,
      onError: (error) => {
        books.errors.push(`${error.kind} ${error.operation}: ${String(error.error)}`);
      },
    });
    server.on('connection', (socket) => layer.accept(socket, { anonymous: true }));
    wss = server;
    sessions = layer;
    port = (server.address() as AddressInfo).port;
  };

  const stop = async () => {
    const server = wss;
    const layer = sessions;
    wss = null;
    sessions = null;
    if (!server) return;
    // A crash: sockets cut first, so the layer's shutdown can write nothing (no last acks).
    for (const client of server.clients) client.terminate();
    layer?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  /** The plain client's connection: the newest open socket (a frozen one looks open too). */
  const newest = (): WebSocket | undefined =>
    [...(wss?.clients ?? [])].filter((socket) => socket.readyState === 1).at(-1);
  const session = (): Session | undefined =>
    clientSession === undefined ? undefined : sessions?.get(clientSession);

  const publish = () => {
    if (wss === null) return; // the process is down: nothing publishes
    if (delivery) {
      const target = session();
      if (target === undefined) return;
      const n = ++pushed;
      const push: Push = { epoch: books.epoch, session: target.id, state: 'pending' };
      books.pushes.set(n, push);
      void target.send('push', { n }).then((seq) => {
        push.state = seq === undefined ? 'refused' : 'numbered';
      });
      return;
    }
    const n = ++pushed;
    const socket = newest();
    const written = socket !== undefined && sendEnvelope(socket, 'push', { n });
    books.pushes.set(n, { epoch: 0, session: undefined, state: written ? 'written' : 'nobody' });
  };

  await listen();
  return {
    get port() {
      return port;
    },
    books,
    session,
    errorEnvelope() {
      const code = random.pick(ENVELOPE_CODES);
      // Some carry a credential and a stack trace: neither may reach a user-facing message.
      const message = random.chance(0.3)
        ? `failed for token=SECRET123\nError: boom\n    at handler (/srv/app.js:10:5)`
        : `injected ${code}`;
      const options = code === 4005 ? { retryAfterMs: 30 } : {};
      if (delivery) {
        const target = session();
        if (!target?.connected) return false;
        void target.sendError(code, message, options);
        return true;
      }
      const socket = newest();
      return socket !== undefined && sendError(socket, code, message, options);
    },
    fatalClose(code) {
      const message = code === 4003 ? 'Token expired' : 'Forbidden';
      if (delivery) {
        const target = session();
        if (!target?.connected) return false;
        void target.closeWithError(code, message);
        return true;
      }
      const socket = newest();
      return socket !== undefined && closeWithError(socket, code, message);
    },
    async restart(downMs, loseHistory, graceful = false) {
      books.restarts += 1;
      if (graceful) {
        // A deploy: the layer closes first (last acks sent, 1001), handlers in flight run on.
        books.graceful += 1;
        instance.closing = true;
        sessions?.close();
        await sleep(30);
      } else instance.crashed = true;
      await stop();
      if (loseHistory) {
        store = history();
        books.epoch += 1;
        books.historyLosses += 1;
        lastInEpoch = 0;
        if (clientSession !== undefined) books.lostSessions.add(clientSession);
      }
      // While down, the proxy's connections to the old port are refused.
      await sleep(downMs);
      await listen();
    },
    startPushes(everyMs) {
      pushes ??= setInterval(publish, everyMs);
    },
    stopPushes() {
      if (pushes !== null) clearInterval(pushes);
      pushes = null;
    },
    async close() {
      instance.crashed = true;
      if (pushes !== null) clearInterval(pushes);
      pushes = null;
      await stop();
    },
  };
}
