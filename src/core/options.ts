/**
 * Options of `createSocket`, flat, units in the names, defaults documented where declared and
 * exported ({@link SOCKET_DEFAULTS}). Checked once at construction so a typo fails loudly.
 */
import type { FaultMessages, FaultOverrides } from '../protocol/classify.js';
import type { ParseOptions } from '../protocol/envelope.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import type { BackoffFunction, BackoffPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import type { BrowserEnvironment } from './environment.js';
import type { ErrorStore, ErrorStoreOptions } from './error-store/error-store.js';
import type { ExtensionFactory, SocketWrapper } from './extension.js';
import type { HeartbeatOptions } from './heartbeat.js';
import { checkValue, type Rule, rejectUnknownKeys } from './option-checks.js';
import type { WebSocketConstructor } from './websocket.js';

type MaybePromise<T> = T | Promise<T>;

/** A URL, or a function called before every attempt (so each one can carry a fresh token). */
export type UrlSource = string | URL | (() => MaybePromise<string | URL>);

/** Subprotocols, or a function called before every attempt. */
export type ProtocolsSource =
  | string
  | readonly string[]
  | (() => MaybePromise<string | readonly string[] | undefined>);

/** How faults are classified and worded (SPEC.md section 2). */
export interface ClassificationOptions {
  /** Per-code severity/action overrides. */
  readonly overrides?: FaultOverrides;
  /** The app's own user texts (i18n), by code or as a function. */
  readonly messages?: FaultMessages;
  /** Server text longer than this never reaches `message`. @default 200 */
  readonly maxMessageLength?: number;
}

/** Options of {@link createSocket}. Only `url` is required. */
export interface SocketOptions<S extends DataSchemas = DataSchemas> {
  readonly url: UrlSource;
  readonly protocols?: ProtocolsSource;
  /** Connect on creation. The React layer passes `false` and connects in an effect. @default true */
  readonly autoConnect?: boolean;
  /**
   * Standard Schema validators (zod, valibot, ...) per message type, as `validate({...})` from
   * `sockguard/schemas` returns them: `data` of that type is validated and typed; a frame that
   * fails is reported as `invalid_envelope` and not delivered.
   */
  readonly schemas?: ExtensionFactory & { readonly schemas: S };
  /** Reconnection delays: the default policy's knobs, or a function. */
  readonly backoff?: BackoffPolicy | BackoffFunction;
  /** The attempt counter resets only after the connection stayed open this long. @default 5000 */
  readonly minUptimeMs?: number;
  /** A handshake that takes longer is a `connect_timeout` fault. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** Application heartbeat, or `false` to turn it off. */
  readonly heartbeat?: HeartbeatOptions | false;
  /** Sends kept while not open; one more is rejected with `queue_overflow`. @default 100 */
  readonly maxQueue?: number;
  /** Default timeout of `request()`. @default 10_000 */
  readonly requestTimeoutMs?: number;
  /** Down this long: the snapshot says `lost` (show a banner; a blip shows none). @default 5000 */
  readonly lostAfterMs?: number;
  /**
   * Down this long: `suspended`; queued sends and pending requests fail instead of waiting, and
   * retries go on at the slow end of the policy. @default 120_000
   */
  readonly suspendAfterMs?: number;
  /** Handshakes failing in a row before the fault says `unreachable` (and auth is refreshed). @default 3 */
  readonly maxHandshakeFailures?: number;
  /** A close this soon after an error envelope is one fault with it. @default 1000 */
  readonly errorCloseWindowMs?: number;
  /**
   * Called once when the server rejects the credentials (4003, 3000) or the handshake keeps
   * failing, before the next attempt; the URL function then yields a fresh token. A second auth
   * failure in a row is final. Without it an auth failure is fatal at once.
   */
  readonly refreshAuth?: () => MaybePromise<void>;
  /** A `refreshAuth` that has not settled after this long counts as failed. @default 10_000 */
  readonly refreshAuthTimeoutMs?: number;
  readonly classification?: ClassificationOptions;
  /** Limits of inbound frames. */
  readonly parse?: ParseOptions;
  /** The error store faults go to: one you made (to share it), or options for a new one. */
  readonly errors?: ErrorStore | ErrorStoreOptions;
  /** @default globalThis.WebSocket, read when connecting */
  readonly WebSocket?: WebSocketConstructor;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Uniform in [0, 1): jitter and ids. @default Math.random */
  readonly random?: () => number;
  /** Browser events (online, visibility, back/forward cache), or `false` for none. @default the globals */
  readonly environment?: BrowserEnvironment | false;
  /**
   * Acknowledged sends and resumable streams, for a server that speaks the delivery extension
   * (`sockguard/server` sessions; docs/protocol.md "Delivery"): `delivery: delivery()`, with
   * `delivery` imported from `sockguard`. Against a server that does not speak it, the socket
   * stays at most once and warns once. @default off
   */
  readonly delivery?: ExtensionFactory;
  /**
   * One connection for all tabs of this origin asking for the same key: `tabs: shareTabs()`, with
   * `shareTabs` imported from `sockguard`. Without Web Locks or BroadcastChannel (SSR, Node, old
   * browsers) each tab keeps its own socket. @default off
   */
  readonly tabs?: SocketWrapper;
}

export const SOCKET_DEFAULTS = {
  autoConnect: true,
  minUptimeMs: 5000,
  connectTimeoutMs: 10_000,
  maxQueue: 100,
  requestTimeoutMs: 10_000,
  lostAfterMs: 5000,
  suspendAfterMs: 120_000,
  maxHandshakeFailures: 3,
  errorCloseWindowMs: 1000,
  refreshAuthTimeoutMs: 10_000,
} as const;

type Numeric = {
  -readonly [K in keyof typeof SOCKET_DEFAULTS as (typeof SOCKET_DEFAULTS)[K] extends number
    ? K
    : never]: number;
};

/**
 * Every option and how it is checked. Waits are bounded, so only outages may be `Infinity`
 * ("never lost", "never suspended", "never unreachable"); nested objects are checked where they
 * are resolved (backoff, heartbeat) or below.
 */
const SOCKET_RULES: Readonly<Record<keyof SocketOptions, Rule>> = {
  url: { kind: 'other' },
  protocols: { kind: 'other' },
  autoConnect: { kind: 'boolean' },
  schemas: { kind: 'other' },
  backoff: { kind: 'other' },
  minUptimeMs: { kind: 'ms', min: 0 },
  connectTimeoutMs: { kind: 'ms', min: 1 },
  heartbeat: { kind: 'other' },
  maxQueue: { kind: 'count', min: 0 },
  requestTimeoutMs: { kind: 'ms', min: 1, never: true },
  lostAfterMs: { kind: 'ms', min: 0, never: true },
  suspendAfterMs: { kind: 'ms', min: 0, never: true },
  maxHandshakeFailures: { kind: 'count', min: 1, never: true },
  errorCloseWindowMs: { kind: 'ms', min: 0 },
  refreshAuth: { kind: 'function' },
  refreshAuthTimeoutMs: { kind: 'ms', min: 1 },
  classification: { kind: 'other' },
  parse: { kind: 'other' },
  errors: { kind: 'other' },
  WebSocket: { kind: 'function' },
  clock: { kind: 'other' },
  random: { kind: 'function' },
  environment: { kind: 'other' },
  delivery: { kind: 'other' },
  tabs: { kind: 'other' },
};

const PARSE_RULES: Readonly<Record<keyof ParseOptions, Rule>> = {
  maxFrameChars: { kind: 'count', min: 1 },
  maxDepth: { kind: 'count', min: 1 },
};

const CLASSIFICATION_RULES: Readonly<Record<keyof ClassificationOptions, Rule>> = {
  overrides: { kind: 'other' },
  messages: { kind: 'other' },
  maxMessageLength: { kind: 'count', min: 1 },
};

/** Checks a nested options object's keys and values (defaults stay where they are applied). */
function checkNested(scope: string, value: object | undefined, rules: Record<string, Rule>) {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`sockguard: ${scope} must be an object; got ${String(value)}`);
  }
  rejectUnknownKeys(scope, value, Object.keys(rules));
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) checkValue(`${scope}.${key}`, item, rules[key] as Rule);
  }
}

/**
 * Checks every option once, at construction (an unknown key names the nearest known one; a value
 * out of range names the range), and returns the numeric ones with defaults applied.
 */
export function resolveNumbers(options: SocketOptions<DataSchemas>): Numeric {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('sockguard: createSocket needs an options object with at least { url }');
  }
  rejectUnknownKeys('', options, Object.keys(SOCKET_RULES));
  if (options.url === undefined) {
    throw new TypeError('sockguard: the url option is required (a string, a URL, or a function)');
  }
  const url: unknown = options.url;
  if (typeof url !== 'string' && typeof url !== 'function' && !(url instanceof URL)) {
    throw new TypeError(`sockguard: url must be a string, a URL or a function; got ${typeof url}`);
  }
  const protocols: unknown = options.protocols;
  if (
    protocols !== undefined &&
    protocols !== null &&
    typeof protocols !== 'string' &&
    typeof protocols !== 'function' &&
    !Array.isArray(protocols)
  ) {
    throw new TypeError('sockguard: protocols must be a string, an array of strings or a function');
  }
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) checkValue(key, value, SOCKET_RULES[key as keyof SocketOptions]);
  }
  checkNested('parse', options.parse, PARSE_RULES);
  checkNested('classification', options.classification, CLASSIFICATION_RULES);
  const resolved = {} as Numeric;
  for (const key of Object.keys(SOCKET_DEFAULTS) as Array<keyof typeof SOCKET_DEFAULTS>) {
    const value = options[key] ?? SOCKET_DEFAULTS[key];
    if (typeof value === 'number') resolved[key as keyof Numeric] = value;
  }
  return resolved;
}
