/**
 * What the test process and the instance processes agree on: the clock both read, the user
 * tokens, the shapes of the messages the load sends, the commands the test gives an instance over
 * IPC, and the records an instance writes to its book (one JSON line per event).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Milliseconds on CLOCK_MONOTONIC (`process.hrtime`): one clock for every process on the machine,
 * so a time an instance wrote and a time the test took can be subtracted.
 */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A user's token: `<user>.<HMAC of user>`, as an app's signed session cookie would be. */
export function mintToken(secret: string, user: string): string {
  return `${user}.${createHmac('sha256', secret).update(user).digest('base64url')}`;
}

/** The user a request's `?token=` names, or undefined when it is missing or forged. */
export function userOf(secret: string, requestUrl: string | undefined): string | undefined {
  const token = new URL(requestUrl ?? '/', 'http://x').searchParams.get('token');
  if (token === null) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const user = token.slice(0, dot);
  const expected = Buffer.from(mintToken(secret, user));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? user : undefined;
}

/** The user of client `c`. */
export const userName = (c: number): string => `user${c}`;

/** `data` of a client's numbered message (`type: 'msg'`): client, number, scenario phase. */
export interface ClientMessage {
  readonly c: number;
  readonly n: number;
  readonly p: number;
}

/** `data` of a push (`type: 'push'`): a unique id (`<client>.<n>`) and the phase it was sent in. */
export interface PushMessage {
  readonly id: string;
  readonly p: number;
}

/** One push the test asks an instance to send. */
export interface PushOrder {
  readonly id: string;
  readonly session: string;
  readonly p: number;
}

/** Test -> instance. */
export type Command =
  | { readonly type: 'push'; readonly orders: readonly PushOrder[] }
  /** Drops the connections of these sessions held here (TCP destroyed): their clients reconnect. */
  | { readonly type: 'bounce'; readonly sessions: readonly string[] }
  /** Answers `held`: the sessions with a connection attached here now. */
  | { readonly type: 'held' }
  /** Stops as a deploy does: stop listening, drain, close the store and Redis, exit 0. */
  | { readonly type: 'stop' };

/** Instance -> test. */
export type Report =
  | { readonly type: 'ready'; readonly port: number }
  | {
      readonly type: 'memory';
      readonly heapUsed: number;
      readonly rss: number;
      readonly sessions: number;
    }
  | { readonly type: 'held'; readonly sessions: readonly string[] }
  | { readonly type: 'stopped'; readonly complete: boolean };

/** The settings an instance process reads from `SOCKGUARD_INSTANCE` (JSON). */
export interface InstanceConfig {
  readonly name: string;
  /** 0: a free port (the first start); a restart gets the port of the first. */
  readonly port: number;
  readonly redisUrl: string;
  readonly prefix: string;
  /** Signs the user tokens. */
  readonly secret: string;
  /** The instance's book: JSON lines, written synchronously (a SIGKILL loses none). */
  readonly book: string;
  readonly commandTimeoutMs: number;
  /**
   * Fixed reconnection delays of the store's two Redis connections (commands, subscriber), to
   * choose which comes back first after a Redis restart; undefined: node-redis's default
   * strategy, and the subscriber the store makes itself (`client.duplicate()`).
   */
  readonly reconnect?: { readonly commandsMs: number; readonly subscriberMs: number } | undefined;
  readonly leaseMs: number;
  readonly sessionTtlMs: number;
}

/** A line of an instance's book. `t` is {@link now} when it happened. */
export type BookRecord =
  /**
   * A client message handed to the app handler, over a connection authenticated as `u`, in a
   * session bound to principal `sp`.
   */
  | {
      readonly e: 'processed';
      readonly c: number;
      readonly n: number;
      readonly u: string | undefined;
      readonly sp: string | undefined;
      /** The session it was processed in, and the frame's `meta.seq` there. */
      readonly s: string | undefined;
      readonly q: number | undefined;
      readonly t: number;
    }
  /**
   * The store confirmed the session's duplicate window (`acked`) at `q`: from here on a frame up
   * to `q` sent again to any instance is dropped, not processed.
   */
  | { readonly e: 'acked'; readonly s: string; readonly q: number; readonly t: number }
  /** A push numbered (`q`) in session `s`. */
  | {
      readonly e: 'numbered';
      readonly id: string;
      readonly s: string;
      readonly q: number;
      readonly t: number;
    }
  /** A push whose send resolved undefined: not numbered, the sender was told. */
  | { readonly e: 'unnumbered'; readonly id: string; readonly s: string; readonly t: number }
  /**
   * A welcome written: session `s`, for a hello that asked for `asked` (null: a first connection)
   * after `last`; `resumed`, `reason`, the server's `seq`.
   */
  | {
      readonly e: 'welcome';
      readonly s: string;
      readonly asked: string | null;
      readonly last: number;
      readonly resumed: boolean;
      readonly reason: string | undefined;
      readonly seq: number;
      readonly t: number;
    }
  /** A failure the session layer or the store reported. */
  | { readonly e: 'error'; readonly what: string; readonly t: number }
  /** A connection refused by the token check. */
  | { readonly e: 'unauthorized'; readonly t: number }
  | { readonly e: 'up'; readonly port: number; readonly t: number }
  | { readonly e: 'stopped'; readonly complete: boolean; readonly t: number };
