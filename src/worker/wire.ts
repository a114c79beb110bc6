/**
 * What a tab and the SharedWorker holding the shared socket say over the tab's MessagePort
 * (SPEC.md section 8, issue 21), and the one checker each side runs on everything it receives.
 * Neither side trusts the other (another version of the app, a bug, a hostile script of the same
 * origin): a message that is not exactly one of these is dropped and reported, never acted on.
 *
 * Every message carries `v` (the wire's version): a tab and a worker of different versions (a
 * deploy between two page loads) refuse each other's messages instead of misreading them.
 */

import type { FaultContext } from '../core/error-store/error-store.js';
import type { SocketSnapshot } from '../core/types.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';

/** The version of this wire. */
export const WIRE_VERSION = 1;

/**
 * The longest ping interval a worker may say it keeps (`welcome.pingMs`): a tab waits for two of
 * them before judging the worker dead, so this bounds how long a dead worker holds a tab's work.
 */
export const MAX_PING_MS = 60_000;

/** The part of `MessagePort` both sides use (a browser's, Node's, or a test's in-memory one). */
export interface PortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  /** Needed by ports listened to with `addEventListener` (a no-op elsewhere). */
  start?(): void;
  close(): void;
}

/** The page-only options: functions that run in a tab, asked over its port. */
export type Question = 'url' | 'protocols' | 'refreshAuth';

/**
 * The cloneable options a tab asks the shared socket to run with. A page-only function is sent as
 * a mark, `{ $fn: its source text }`, so that tabs with different functions are told apart.
 */
export type WireOptions = Readonly<Record<string, unknown>>;

/** A tab's browser conditions, as the worker aggregates them. */
export interface TabConditions {
  readonly visible: boolean;
  readonly online: boolean;
}

/** What a tab says to the worker. `id`s are the tab's own, unique among its pending work. */
export type TabMessage =
  /** Join the socket named `key` (made with `options` if it does not exist yet). */
  | ({
      readonly v: 1;
      readonly t: 'hello';
      readonly key: string;
      readonly options: WireOptions;
    } & TabConditions)
  | {
      readonly v: 1;
      readonly t: 'send';
      readonly id: number;
      readonly type: string;
      readonly data: unknown;
      readonly meta?: Readonly<Record<string, unknown>> | undefined;
    }
  | {
      readonly v: 1;
      readonly t: 'request';
      readonly id: number;
      readonly type: string;
      readonly data: unknown;
      /** Absent: the socket's `requestTimeoutMs`; `null`: never (Infinity does not clone to JSON). */
      readonly timeoutMs?: number | null | undefined;
      readonly retryOnReconnect?: boolean | undefined;
    }
  | { readonly v: 1; readonly t: 'abort'; readonly id: number }
  | { readonly v: 1; readonly t: 'reconnect' }
  /** This tab leaves (its `close()`, or `pagehide`). */
  | { readonly v: 1; readonly t: 'bye' }
  | { readonly v: 1; readonly t: 'pong'; readonly n: number }
  | ({ readonly v: 1; readonly t: 'conditions' } & TabConditions)
  /** The answer to a page-only question: the function's value, or what it threw. */
  | { readonly v: 1; readonly t: 'answer'; readonly q: number; readonly value: unknown }
  | {
      readonly v: 1;
      readonly t: 'answer';
      readonly q: number;
      readonly error: string;
      readonly unauthorized: boolean;
    };

/** What the worker says to a tab. */
export type WorkerMessage =
  /** Joined. `pingMs`: the worker pings this often (a tab waits two intervals before judging it dead). */
  | {
      readonly v: 1;
      readonly t: 'welcome';
      readonly snapshot: SocketSnapshot;
      readonly pingMs: number;
    }
  /** The socket of this key runs with other options: the fault names them. */
  | { readonly v: 1; readonly t: 'refused'; readonly fault: Fault }
  | { readonly v: 1; readonly t: 'snapshot'; readonly snapshot: SocketSnapshot }
  /** An inbound envelope; `reply`: it answers this tab's request of that id. */
  | {
      readonly v: 1;
      readonly t: 'message';
      readonly envelope: Envelope;
      readonly reply?: number | undefined;
    }
  /** A fault for this tab's store (a connection fault goes to every tab, one of its work to it). */
  | {
      readonly v: 1;
      readonly t: 'fault';
      readonly fault: Fault;
      readonly context: FaultContext;
    }
  /** The socket opened: its connection faults are over (the store's `resolveConnection`). */
  | { readonly v: 1; readonly t: 'resolve'; readonly origin: string }
  | { readonly v: 1; readonly t: 'dismiss'; readonly id: string }
  /** A send settled: written to the connection, or failed with `fault` (stored by its `fault`). */
  | { readonly v: 1; readonly t: 'sent'; readonly id: number; readonly fault?: Fault | undefined }
  /** A request failed (its reply comes as a `message` with `reply`). */
  | { readonly v: 1; readonly t: 'failed'; readonly id: number; readonly fault: Fault }
  | { readonly v: 1; readonly t: 'ask'; readonly q: number; readonly what: Question }
  | { readonly v: 1; readonly t: 'ping'; readonly n: number }
  /** The worker stopped counting this tab (it did not answer in time): say hello again. */
  | { readonly v: 1; readonly t: 'dropped' };

/** A checked message, or why it was refused. */
export type Read<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly problem: string };

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isBool = (value: unknown): value is boolean => typeof value === 'boolean';

const STATUSES = ['idle', 'connecting', 'open', 'reconnecting', 'closed', 'failed'];
const SOURCES = ['envelope', 'close', 'transport', 'client'];
const KINDS = ['connection', 'application', 'transport'];
const SEVERITIES = ['recoverable', 'fatal'];
const ACTIONS = ['none', 'reconnect', 'backoff', 'reauthenticate', 'stop', 'resync'];
const QUESTIONS: readonly string[] = ['url', 'protocols', 'refreshAuth'] satisfies Question[];

/** Why `value` is not a fault, or undefined. */
export function faultProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'a fault that is not an object';
  const { id, source, kind, code, message, severity, action, timestamp, detail } = value;
  if (!isText(id)) return 'a fault without an id';
  if (!SOURCES.includes(source as string)) return 'a fault of an unknown source';
  if (!KINDS.includes(kind as string)) return 'a fault of an unknown kind';
  if (typeof code !== 'number' && !isText(code)) return 'a fault without a code';
  if (typeof message !== 'string') return 'a fault without a message';
  if (!SEVERITIES.includes(severity as string)) return 'a fault of an unknown severity';
  if (!ACTIONS.includes(action as string)) return 'a fault of an unknown action';
  if (typeof timestamp !== 'number') return 'a fault without a timestamp';
  if (!isObject(detail)) return 'a fault without its detail';
  if (value.requestId !== undefined && typeof value.requestId !== 'string')
    return 'a fault whose request id is not text';
  return undefined;
}

/** Why `value` is not a snapshot, or undefined. */
export function snapshotProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'a snapshot that is not an object';
  const { status, attempt, lastFault, lost, suspended } = value;
  if (!STATUSES.includes(status as string)) return 'a snapshot of an unknown status';
  if (!isId(attempt)) return 'a snapshot without an attempt count';
  if (!isBool(lost) || !isBool(suspended)) return 'a snapshot without lost/suspended';
  if (lastFault !== null && faultProblem(lastFault) !== undefined)
    return 'a snapshot whose last fault is malformed';
  if (status === 'open' && typeof value.openedAt !== 'number')
    return 'an open snapshot without openedAt';
  if (
    status === 'reconnecting' &&
    value.nextRetryAt !== null &&
    typeof value.nextRetryAt !== 'number'
  )
    return 'a reconnecting snapshot without nextRetryAt';
  if (status === 'failed' && faultProblem(value.fault) !== undefined)
    return 'a failed snapshot without its fault';
  return undefined;
}

const envelopeProblem = (value: unknown): string | undefined =>
  !isObject(value) || !isText(value.type)
    ? 'an envelope without a type'
    : value.meta !== undefined && !isObject(value.meta)
      ? 'an envelope whose meta is not an object'
      : undefined;

/** A problem per message kind, given the message's fields (its `t` already known). */
type Checks = Readonly<Record<string, (m: Fields) => string | undefined>>;

const conditions = (m: Fields) =>
  isBool(m.visible) && isBool(m.online) ? undefined : 'conditions without visible/online';

const TAB_CHECKS: Checks = {
  hello: (m) =>
    !isText(m.key)
      ? 'a hello without a key'
      : !isObject(m.options)
        ? 'a hello without options'
        : conditions(m),
  send: (m) =>
    !isId(m.id)
      ? 'a send without an id'
      : !isText(m.type)
        ? 'a send without a type'
        : m.meta !== undefined && !isObject(m.meta)
          ? 'a send whose meta is not an object'
          : undefined,
  request: (m) =>
    !isId(m.id)
      ? 'a request without an id'
      : !isText(m.type)
        ? 'a request without a type'
        : m.timeoutMs !== undefined &&
            m.timeoutMs !== null &&
            !(typeof m.timeoutMs === 'number' && m.timeoutMs >= 1 && m.timeoutMs <= 2 ** 31 - 1)
          ? 'a request whose timeoutMs is out of range'
          : m.retryOnReconnect !== undefined && !isBool(m.retryOnReconnect)
            ? 'a request whose retryOnReconnect is not a boolean'
            : undefined,
  abort: (m) => (isId(m.id) ? undefined : 'an abort without an id'),
  reconnect: () => undefined,
  bye: () => undefined,
  pong: (m) => (isId(m.n) ? undefined : 'a pong without its number'),
  conditions,
  answer: (m) =>
    !isId(m.q)
      ? 'an answer without its question'
      : 'error' in m && (typeof m.error !== 'string' || !isBool(m.unauthorized))
        ? 'a failed answer without its error'
        : undefined,
};

const WORKER_CHECKS: Checks = {
  welcome: (m) =>
    snapshotProblem(m.snapshot) ??
    (typeof m.pingMs === 'number' && m.pingMs >= 10 && m.pingMs <= MAX_PING_MS
      ? undefined
      : 'a welcome whose pingMs is out of range'),
  refused: (m) => faultProblem(m.fault),
  snapshot: (m) => snapshotProblem(m.snapshot),
  message: (m) =>
    envelopeProblem(m.envelope) ??
    (m.reply !== undefined && !isId(m.reply) ? 'a reply to a malformed id' : undefined),
  fault: (m) =>
    faultProblem(m.fault) ?? (isObject(m.context) ? undefined : 'a fault without context'),
  resolve: (m) => (typeof m.origin === 'string' ? undefined : 'a resolve without its origin'),
  dismiss: (m) => (isText(m.id) ? undefined : 'a dismiss without an id'),
  sent: (m) =>
    !isId(m.id)
      ? 'a send result without an id'
      : m.fault === undefined
        ? undefined
        : faultProblem(m.fault),
  failed: (m) => (!isId(m.id) ? 'a request result without an id' : faultProblem(m.fault)),
  ask: (m) =>
    !isId(m.q)
      ? 'a question without its number'
      : QUESTIONS.includes(m.what as string)
        ? undefined
        : 'a question about an unknown option',
  ping: (m) => (isId(m.n) ? undefined : 'a ping without its number'),
  dropped: () => undefined,
};

function read<T>(data: unknown, checks: Checks): Read<T> {
  if (!isObject(data)) return { ok: false, problem: 'a message that is not an object' };
  if (data.v !== WIRE_VERSION)
    return { ok: false, problem: `a message of wire version ${String(data.v)}` };
  const check =
    typeof data.t === 'string' && Object.hasOwn(checks, data.t) ? checks[data.t] : undefined;
  if (check === undefined)
    return { ok: false, problem: `a message of unknown kind ${String(data.t)}` };
  const problem = check(data);
  return problem === undefined ? { ok: true, message: data as T } : { ok: false, problem };
}

/** Checks what a tab sent the worker. */
export const readTabMessage = (data: unknown): Read<TabMessage> => read(data, TAB_CHECKS);

/** Checks what the worker sent a tab. */
export const readWorkerMessage = (data: unknown): Read<WorkerMessage> => read(data, WORKER_CHECKS);

/** Posts `message`; false when the port is closed or the message cannot be cloned. */
export function post(port: PortLike, message: TabMessage | WorkerMessage): boolean {
  try {
    port.postMessage(message);
    return true;
  } catch {
    return false;
  }
}
