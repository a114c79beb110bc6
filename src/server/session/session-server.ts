/**
 * `createSessionServer`: the delivery extension's server side over `ws` sockets (docs/server.md,
 * "Sessions"). A connection whose first frame is a `sockguard.hello` joins a delivery session;
 * any other first frame makes it a plain client, served as before.
 */
import { readHello } from '../../protocol/delivery.js';
import type { Envelope, WireMeta } from '../../protocol/envelope.js';
import { Connection } from './connection.js';
import {
  type Attempt,
  type HeldSession,
  isThenable,
  type LayerContext,
  startTimer,
  stopTimer,
} from './context.js';
import { DeliverySession, isControlType } from './delivery-session.js';
import { frameEncoder } from './frame-text.js';
import { welcome } from './hello.js';
import { HISTORY_STORE_METHODS, isUnknownSession } from './history-store.js';
import { isSafeSessionId, readAcceptOptions } from './identity.js';
import { type Inbound, isHello, isPing, PONG_TEXT, readInbound } from './inbound.js';
import { createMemoryHistory } from './memory-history.js';
import { checkOptions, MAX_TIMER_MS } from './option-checks.js';
import { PlainSession } from './plain-session.js';
import { SerialQueue } from './serial-queue.js';
import type {
  DrainResult,
  Session,
  SessionError,
  SessionServer,
  SessionServerOptions,
  SessionSocket,
} from './types.js';

const SCOPE = 'createSessionServer';
const ignore = (): void => {};
const NOTHING: Promise<undefined> = Promise.resolve(undefined);

/**
 * `onError` by default: the failure is on the console, not lost. The session id is left out (an
 * app that wants it logs `error.session` from its own `onError`); the layer's own errors carry no
 * id or secret in their text.
 */
const logError = (error: SessionError): void => {
  console.error(`sockguard/server sessions: ${error.kind} ${error.operation} failed`, error.error);
};

const MIB = 1_048_576;
const MAX = Number.MAX_SAFE_INTEGER;

const randomId = (): string => globalThis.crypto.randomUUID();

function checkServerOptions(options: unknown): void {
  checkOptions(
    SCOPE,
    options,
    {
      onMessage: { kind: 'function' },
      onError: { kind: 'function' },
      onSessionEnd: { kind: 'function' },
      history: { kind: 'methods', names: HISTORY_STORE_METHODS },
      ackDelayMs: { kind: 'integer', min: 0, max: 100, unit: ' (milliseconds)' },
      sessionTtlMs: { kind: 'integer', min: 0, max: MAX_TIMER_MS, unit: ' (milliseconds)' },
      sessionRetainMs: { kind: 'integer', min: 0, max: MAX_RETAIN_MS, unit: ' (milliseconds)' },
      answerPings: { kind: 'boolean' },
      newSessionId: { kind: 'function' },
      maxFrameChars: { kind: 'integer', min: 1, max: MAX },
      maxDepth: { kind: 'integer', min: 1, max: 10_000 },
      maxFrameBytes: { kind: 'integer', min: 1, max: MAX },
      maxBacklogFrames: { kind: 'integer', min: 1, max: MAX },
      maxBacklogBytes: { kind: 'integer', min: 1, max: MAX },
      maxQueuedFrames: { kind: 'integer', min: 1, max: MAX },
      maxQueuedBytes: { kind: 'integer', min: 1, max: MAX },
      maxBufferedBytes: { kind: 'integer', min: 1, max: MAX },
      maxSessions: { kind: 'integer', min: 1, max: MAX },
      maxSeqAhead: { kind: 'integer', min: 1, max: MAX },
    },
    ['onMessage'],
  );
  const { sessionTtlMs: ttl = 120_000, sessionRetainMs: retain } = options as SessionServerOptions;
  if (retain !== undefined && retain < ttl)
    throw new RangeError(
      `${SCOPE}: sessionRetainMs (${retain}) must be at least sessionTtlMs (${ttl}): a session's history never outlives its numbering`,
    );
}

/** A year: how long a session's numbering may be retained. */
const MAX_RETAIN_MS = 365 * 24 * 3_600_000;

/**
 * Creates the session layer. Every option is checked here: an unknown key or a value out of range
 * throws, naming the option and what it accepts.
 */
export function createSessionServer<S extends SessionSocket = SessionSocket>(
  options: SessionServerOptions<S>,
): SessionServer<S> {
  checkServerOptions(options);
  const ttl = options.sessionTtlMs ?? 120_000;
  const onError = options.onError ?? logError;
  const connections = new Set<Connection<S>>();
  const sessions = new Map<string, HeldSession>();
  const instance = `${randomId()}:`;
  let claims = 0;
  let draining: Promise<DrainResult> | undefined;
  // Sends to sessions held elsewhere, one queue per session while it has some in flight.
  const remote = new Map<string, SerialQueue>();

  const report: LayerContext<S>['report'] = (kind, operation, error, session) => {
    try {
      onError({ kind, operation, error, session });
    } catch {
      // A throwing onError has nowhere left to report to.
    }
  };

  const newId = (): string => {
    let id: unknown;
    try {
      id = (options.newSessionId ?? randomId)();
    } catch (error) {
      report('callback', 'newSessionId', error);
    }
    if (isSafeSessionId(id) && !sessions.has(id)) return id;
    if (id !== undefined) {
      report(
        'callback',
        'newSessionId',
        new TypeError('not a new id of 1 to 128 characters A-Z a-z 0-9 _ - . :'),
      );
    }
    return randomId();
  };

  const context: LayerContext<S> = {
    store: options.history ?? createMemoryHistory(),
    ackDelayMs: options.ackDelayMs ?? 10,
    sessionTtlMs: ttl,
    sessionRetainMs: options.sessionRetainMs ?? ttl,
    answerPings: options.answerPings ?? true,
    read: {
      parse: {
        ...(options.maxFrameChars === undefined ? {} : { maxFrameChars: options.maxFrameChars }),
        ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      },
      maxFrameBytes: options.maxFrameBytes ?? MIB,
    },
    limits: {
      maxBacklogFrames: options.maxBacklogFrames ?? 64,
      maxBacklogBytes: options.maxBacklogBytes ?? MIB,
      maxQueuedFrames: options.maxQueuedFrames ?? 1000,
      maxQueuedBytes: options.maxQueuedBytes ?? 4 * MIB,
      maxBufferedBytes: options.maxBufferedBytes ?? 4 * MIB,
    },
    maxSessions: options.maxSessions ?? 10_000,
    maxSeqAhead: options.maxSeqAhead ?? 2 ** 32,
    sessions,
    closed: false,
    draining: false,
    report,
    deliver(envelope: Envelope, session: Session, socket: S) {
      try {
        const result = options.onMessage(envelope, session, socket);
        if (isThenable(result)) {
          return Promise.resolve(result).then(ignore, (error: unknown) => {
            report('callback', 'onMessage', error, session.id);
          });
        }
      } catch (error) {
        report('callback', 'onMessage', error, session.id);
      }
      return undefined;
    },
    ended(session) {
      try {
        options.onSessionEnd?.(session);
      } catch (error) {
        report('callback', 'onSessionEnd', error, session.id);
      }
    },
    newId,
    instance,
    claim: () => `${instance}${++claims}`,
    async attempt<T>(
      session: string,
      operation: string,
      call: () => T | Promise<T>,
      expected?: (error: unknown) => boolean,
    ) {
      try {
        return { ok: true, value: await call() } as Attempt<T>;
      } catch (error) {
        if (expected?.(error) !== true) report('store', operation, error, session);
        return { ok: false, error } as Attempt<T>;
      }
    },
  };

  /** Numbers a frame for a session this instance does not hold: its holder writes it. */
  const sendRemote = (id: string, type: string, data: unknown, meta: WireMeta | undefined) => {
    let encode: (seq: number) => string;
    try {
      encode = frameEncoder(type, data, meta);
    } catch (error) {
      report('encode', 'send', error, id);
      return NOTHING;
    }
    // Control frames belong to one connection, which is not here. An id no key may be built
    // from names no session.
    if (isControlType(type) || context.closed || !isSafeSessionId(id)) return NOTHING;
    const queue = remote.get(id) ?? new SerialQueue();
    remote.set(id, queue);
    const done = queue.run(async (): Promise<number | undefined> => {
      try {
        return await context.store.append(id, encode);
      } catch (error) {
        if (!isUnknownSession(error)) report('store', 'append', error, id);
        return undefined;
      }
    });
    void done.then(() => {
      if (remote.get(id) === queue && queue.idle) remote.delete(id);
    });
    return done;
  };

  const becomePlain = (connection: Connection<S>): PlainSession<S> => {
    const session = new PlainSession(context, connection);
    connection.mode = 'plain';
    connection.session = session;
    return session;
  };

  const startHello = (connection: Connection<S>, envelope: Envelope): void => {
    const requestId = envelope.meta?.request_id;
    const hello = readHello(envelope.data);
    if (hello === undefined) {
      // The client then treats the server as one that does not speak the extension: so do we.
      void becomePlain(connection).sendError(4000, 'Bad request: malformed sockguard.hello', {
        requestId,
      });
      return;
    }
    connection.mode = 'hello';
    welcome(context, connection, hello, requestId).then(
      (session) => {
        if (session === undefined || connection.mode === 'done') return;
        connection.session = session;
        connection.mode = 'delivery';
        for (const item of connection.takeBacklog()) route(connection, item);
      },
      (error: unknown) => report('store', 'welcome', error),
    );
  };

  const route = (connection: Connection<S>, item: Inbound): void => {
    if (connection.mode === 'done') return;
    if (connection.mode === 'hello') {
      connection.hold(item);
      return;
    }
    if (context.answerPings && isPing(item)) {
      connection.write(PONG_TEXT);
      return;
    }
    if (connection.mode === 'new') {
      // Draining: a session started now would be closed at once; the client resumes elsewhere.
      if (context.draining) {
        connection.close(1001, 'Server shutting down');
        return;
      }
      if (isHello(item)) {
        startHello(connection, item.envelope);
        return;
      }
      becomePlain(connection);
    }
    connection.session?.enqueue(item, connection);
  };

  const onClose = (connection: Connection<S>): void => {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    connection.session?.detach(connection);
  };

  return {
    accept(socket, acceptOptions) {
      const { principal } = readAcceptOptions(`${SCOPE}(...).accept`, acceptOptions);
      const connection = new Connection(socket, principal, context.limits);
      socket.on('error', ignore);
      if (context.closed || context.draining) {
        connection.close(1001, 'Server shutting down');
        return;
      }
      connections.add(connection);
      socket.on('message', (data, isBinary) => {
        // Not served any more (a limit was hit): not even decoded.
        if (connection.mode === 'done') return;
        route(connection, readInbound(data, isBinary, context.read));
      });
      socket.on('close', () => onClose(connection));
      // Already closed (accepted late): no close event will come.
      if (socket.readyState > 1) onClose(connection);
    },
    get(id) {
      if (!isSafeSessionId(id)) return undefined;
      const session = sessions.get(id);
      return session?.exposed ? session : undefined;
    },
    get size() {
      return sessions.size;
    },
    send(id, type, data, meta) {
      const held = sessions.get(id);
      // A hello still opening it holds a placeholder: the send waits behind the open.
      if (held instanceof DeliverySession && !held.dead) return held.send(type, data, meta);
      return sendRemote(id, type, data, meta);
    },
    close,
    drain(drainOptions = {}) {
      checkOptions(`${SCOPE}(...).drain`, drainOptions, {
        timeoutMs: { kind: 'integer', min: 0, max: MAX_TIMER_MS, unit: ' (milliseconds)' },
      });
      if (draining === undefined) draining = drain(drainOptions.timeoutMs ?? 10_000);
      return draining;
    },
  };

  function close(): void {
    if (context.closed) return;
    context.closed = true;
    for (const session of sessions.values()) session.shutdown();
    sessions.clear();
    for (const connection of [...connections]) connection.close(1001, 'Server shutting down');
  }

  /**
   * Lets the frames being handled finish (their replies kept and written, their `acked` in the
   * store and sent to the client), takes no new one, then closes as `close()` does.
   */
  async function drain(timeoutMs: number): Promise<DrainResult> {
    if (context.closed) return { complete: true };
    context.draining = true;
    const sinks = new Set<{ settle(): Promise<void> }>(sessions.values());
    for (const connection of connections) {
      if (connection.session instanceof PlainSession) sinks.add(connection.session);
    }
    const work = Promise.all([
      ...[...sinks].map((sink) => sink.settle()),
      // Sends to sessions held elsewhere: numbered in the store before the layer stops.
      ...[...remote.values()].map((queue) => queue.run(() => {})),
    ]).then(() => true);
    let timer: unknown;
    const late = new Promise<false>((resolve) => {
      timer = startTimer(() => resolve(false), timeoutMs);
    });
    const complete = await Promise.race([work, late]);
    stopTimer(timer);
    close();
    return { complete };
  }
}
