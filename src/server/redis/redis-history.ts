/**
 * `createRedisHistory`: a {@link HistoryStore} in Redis, shared by every instance of a server, so
 * a client that reconnects to another instance (a deploy, a crash, a load balancer's choice)
 * resumes there. Per session a hash (`seq`, `acked`, the latest claim) and a stream of the kept
 * frames; Lua scripts number, keep and publish a frame in one step; Redis pub/sub carries each
 * new frame to the instance holding the session's connection.
 *
 * Bounded: frames per session by count and bytes (trimmed in the append script) and by age (the
 * oldest frame a resume needs is checked against Redis's clock); sessions by a time to live, set
 * by `expire` when no connection holds them and otherwise by a lease this store refreshes while
 * it holds them (so an instance that crashes cannot leave keys behind forever).
 */

import { startInterval, startTimer, stopInterval } from '../session/context.js';
import type {
  HistoryStore,
  OpenedSession,
  SessionBinding,
  SessionEvent,
  Unsubscribe,
} from '../session/history-store.js';
import { OTHER_PRINCIPAL, UnknownSessionError } from '../session/history-store.js';
import { isSafeSessionId } from '../session/identity.js';
import { checkOptions, MAX_TIMER_MS } from '../session/option-checks.js';
import { createChannelHub } from './channels.js';
import {
  type RedisCommandClient,
  type RedisDuplicableClient,
  type RedisOwnedSubscriber,
  type RedisSubscriberClient,
  scriptRunner,
} from './client.js';
import { APPEND, CREATE, EXPIRE, OPEN, SET_ACKED } from './scripts.js';
import { splitAroundSeq } from './seq-template.js';

/** Options of {@link createRedisHistory}. */
export interface RedisHistoryOptions {
  /**
   * A connected node-redis client (`createClient(...)`, then `await client.connect()`), used for
   * commands. Give it `disableOfflineQueue: true` so commands fail at once while Redis is down
   * instead of queueing, and an `error` listener (see docs/server.md, "Deployment").
   */
  readonly client: RedisCommandClient | RedisDuplicableClient;
  /**
   * A connected client for pub/sub (a connection in subscriber mode serves nothing else).
   * @default client.duplicate(), connected by the store and closed by `close()`
   */
  readonly subscriber?: RedisSubscriberClient | undefined;
  /**
   * Prefix of every key and channel, at most 200 characters and without `{` or `}` (the session id
   * goes in a `{...}` hash tag after it: a brace in the prefix would move the tag, and let ids of
   * one prefix name keys of another). @default 'sockguard:'
   */
  readonly prefix?: string | undefined;
  /** Frames kept per session; older ones are dropped first. @default 1000 */
  readonly maxMessages?: number | undefined;
  /** Frame text kept per session, in UTF-8 bytes. @default 1_048_576 */
  readonly maxBytes?: number | undefined;
  /** A resume that needs a frame older than this is refused (`history_gone`). @default 120_000 */
  readonly maxAgeMs?: number | undefined;
  /**
   * How long a session held by a connection on this instance lives in Redis without a refresh;
   * the store refreshes it every third of that while it holds it. @default 120_000
   */
  readonly leaseMs?: number | undefined;
  /** A Redis command that does not answer within this fails (the layer degrades). @default 1000 */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * Failures of the store's own background work (lease refresh, the subscriber connection, a
   * subscription): the layer's `onError` sees only the calls it makes. @default ignore
   */
  readonly onError?: ((operation: string, error: unknown) => void) | undefined;
}

/** The Redis store: a {@link HistoryStore} with `subscribe`, and `close`. */
export interface RedisHistory extends HistoryStore {
  subscribe(session: string, listener: (event: SessionEvent) => void): Promise<Unsubscribe>;
  /** Sessions this store holds a lease on (claimed here, not expired). */
  readonly held: number;
  /**
   * Stops the lease refresh, waits for the store calls in flight (each bounded by
   * `commandTimeoutMs`), ends the subscriptions and closes the subscriber it made. Call it after
   * the session server's `close()`, and close your own client after it.
   */
  close(): Promise<void>;
}

const SCOPE = 'createRedisHistory';
const MAX = Number.MAX_SAFE_INTEGER;
const ignore = (): void => {};

const asNumber = (value: unknown): number => Number(value);
const asText = (value: unknown): string =>
  typeof value === 'string' ? value : new TextDecoder().decode(value as Uint8Array);

function checkRedisOptions(options: unknown): void {
  checkOptions(
    SCOPE,
    options,
    {
      client: { kind: 'methods', names: ['sendCommand'] },
      subscriber: { kind: 'methods', names: ['subscribe', 'unsubscribe', 'on'] },
      prefix: { kind: 'string', max: 200 },
      maxMessages: { kind: 'integer', min: 1, max: MAX },
      maxBytes: { kind: 'integer', min: 1, max: MAX },
      maxAgeMs: { kind: 'integer', min: 1, max: MAX, unit: ' (milliseconds)' },
      leaseMs: { kind: 'integer', min: 1000, max: MAX_TIMER_MS, unit: ' (milliseconds)' },
      commandTimeoutMs: { kind: 'integer', min: 1, max: 60_000, unit: ' (milliseconds)' },
      onError: { kind: 'function' },
    },
    ['client'],
  );
  const { client, subscriber, prefix } = options as RedisHistoryOptions;
  if (prefix !== undefined && /[{}]/.test(prefix)) {
    throw new RangeError(
      `${SCOPE}: prefix must not contain { or } (the session id's hash tag follows it); got ${JSON.stringify(prefix)}`,
    );
  }
  if (subscriber === undefined && typeof Reflect.get(client, 'duplicate') !== 'function') {
    throw new TypeError(`${SCOPE}: subscriber is required when client has no duplicate() method`);
  }
}

/** Creates the Redis history store. Options are checked here (a wrong one throws, naming it). */
export function createRedisHistory(options: RedisHistoryOptions): RedisHistory {
  checkRedisOptions(options);
  const prefix = options.prefix ?? 'sockguard:';
  const maxMessages = String(options.maxMessages ?? 1000);
  const maxBytes = String(options.maxBytes ?? 1_048_576);
  const maxAgeMs = String(options.maxAgeMs ?? 120_000);
  const leaseMs = options.leaseMs ?? 120_000;
  const timeoutMs = options.commandTimeoutMs ?? 1000;
  const onError = options.onError ?? ignore;
  const report = (operation: string, error: unknown): void => {
    try {
      onError(operation, error);
    } catch {
      // Nowhere left to report to.
    }
  };
  const run = scriptRunner(options.client, timeoutMs);
  let closed = false;

  let owned: RedisOwnedSubscriber | undefined;
  let subscriber = options.subscriber;
  if (subscriber === undefined) {
    owned = (options.client as RedisDuplicableClient).duplicate();
    owned.on('error', (error) => report('subscriber', error));
    // node-redis reconnects by itself after a first connection; a failed first one is retried here.
    const connect = (): void => {
      owned?.connect().catch((error: unknown) => {
        report('subscriber connect', error);
        if (!closed) startTimer(connect, 1000);
      });
    };
    connect();
    subscriber = owned;
  }
  const hub = createChannelHub(subscriber, timeoutMs, report);

  // Keys of one session share the hash tag {id}: one cluster slot, as the scripts need. Only ids
  // the layer's alphabet allows get here (checked by every method): never a brace or a newline.
  const keys = (id: string): [string, string] => [`${prefix}{${id}}`, `${prefix}{${id}}:log`];
  const channel = (id: string): string => `${prefix}{${id}}:live`;
  /** The store found a session held here gone: its connection's layer ends it. */
  const forgotten = (id: string): void => hub.tell(channel(id), { type: 'forgotten' });

  /** Sessions claimed here and not expired, with the claim: their leases are refreshed. */
  const held = new Map<string, string>();
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(call: Promise<T>): Promise<T> => {
    inFlight.add(call);
    const done = () => inFlight.delete(call);
    call.then(done, done);
    return call;
  };

  const refresh = async (): Promise<void> => {
    const all = [...held];
    // In slices, so a large instance does not put thousands of scripts in one burst.
    for (let start = 0; start < all.length && !closed; start += 200) {
      await Promise.all(
        all.slice(start, start + 200).map(async ([id, owner]) => {
          try {
            const kept = asNumber(await track(run(EXPIRE, keys(id), [owner, String(leaseMs)])));
            if (kept <= 0 && held.get(id) === owner) held.delete(id);
            // Gone while held (Redis lost its data): the client must be told, not left connected
            // to a session whose sends are never numbered again.
            if (kept < 0) forgotten(id);
          } catch (error) {
            report('lease', error);
          }
        }),
      );
    }
  };
  const leaseTimer = startInterval(() => void refresh(), Math.floor(leaseMs / 3));

  return {
    get held() {
      return held.size;
    },
    async create(id, owner, binding: SessionBinding) {
      if (!isSafeSessionId(id)) throw new TypeError('createRedisHistory: not a valid session id');
      const bound = [binding.principal, binding.secretHash];
      await track(run(CREATE, keys(id), [owner, String(leaseMs), channel(id), ...bound]));
      held.set(id, owner);
    },
    async open(
      id,
      afterSeq,
      owner,
      binding: SessionBinding,
    ): Promise<OpenedSession | typeof OTHER_PRINCIPAL | undefined> {
      if (!isSafeSessionId(id)) return undefined;
      const reply = await track(
        run(OPEN, keys(id), [
          String(afterSeq),
          owner,
          String(leaseMs),
          maxAgeMs,
          channel(id),
          binding.principal,
          binding.secretHash,
        ]),
      );
      if (!Array.isArray(reply)) return asNumber(reply) === -1 ? OTHER_PRINCIPAL : undefined;
      held.set(id, owner);
      const [seq, acked, servable, ...texts] = reply as unknown[];
      return {
        seq: asNumber(seq),
        acked: asNumber(acked),
        replay: asNumber(servable) === 1 ? texts.map(asText) : undefined,
      };
    },
    async append(id, encode) {
      if (!isSafeSessionId(id)) throw new UnknownSessionError(id);
      const parts = splitAroundSeq(encode);
      const seq = asNumber(
        await track(run(APPEND, keys(id), [channel(id), maxMessages, maxBytes, ...parts])),
      );
      if (seq < 0) throw new UnknownSessionError(id);
      return seq;
    },
    async setAcked(id, acked) {
      if (!isSafeSessionId(id)) return;
      const known = asNumber(await track(run(SET_ACKED, keys(id), [String(acked)])));
      if (known === 0 && held.has(id)) forgotten(id);
    },
    async expire(id, ttlMs, owner, historyMs) {
      if (!isSafeSessionId(id)) return;
      if (held.get(id) === owner) held.delete(id);
      // The history (the stream) may go before the record (sessionRetainMs): the numbering stays.
      const history = historyMs !== undefined && historyMs < ttlMs ? historyMs : ttlMs;
      await track(run(EXPIRE, keys(id), [owner, String(ttlMs), String(history)]));
    },
    subscribe(id, listener) {
      if (!isSafeSessionId(id)) return Promise.resolve(ignore);
      return hub.subscribe(channel(id), listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      stopInterval(leaseTimer);
      await Promise.allSettled([...inFlight]);
      await hub.close();
      held.clear();
      owned?.destroy();
    },
  };
}
