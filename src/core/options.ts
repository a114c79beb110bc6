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
import {
  BOOLEAN,
  COUNT_1,
  checkGiven,
  checkValue,
  FUNCTION,
  MS_0,
  MS_1,
  OTHER,
  type Rule,
  withDefaults,
} from './option-checks.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

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
}

/** Options of {@link createSocket}. Only `url` is required. */
export interface SocketOptions<S extends DataSchemas = DataSchemas> {
  readonly url: UrlSource;
  readonly protocols?: ProtocolsSource;
  /** Connect on creation. The React layer passes `false` and connects in an effect. @default true */
  readonly autoConnect?: boolean;
  /**
   * Standard Schema validators (zod, valibot, ...) per message type, as `validate({...})` (from
   * `sockguard`) returns them: `data` of that type is validated and typed; a frame that
   * fails is reported as `invalid_envelope` and not delivered.
   */
  readonly schemas?: ExtensionFactory & { readonly schemas: S };
  /**
   * Reconnection delays: the default policy's knobs, or a function of the retry (its attempt,
   * fault, the server's hint, a random draw) returning the delay in ms, or `null` to give up
   * (status `failed`). The function may answer with a promise: the delay still counts from the
   * fault (the time the answer took is part of it). A function that throws, a promise that rejects
   * or one that does not settle within 10 s (fixed) makes the default policy time that retry,
   * with one `callback_error` fault. While the answer is awaited the snapshot keeps its status
   * (the drop is reported with the answer). An answer the socket has moved on from (after
   * `reconnect()`, `close()`, or the bound) is ignored. With tab sharing the function runs in a
   * tab, asked by the worker (see `shareTabs`).
   */
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
   * One connection for all tabs of this origin asking for the same key, held by a SharedWorker:
   * `tabs: shareTabs({ worker })`, with `shareTabs` imported from `sockguard`. Without SharedWorker
   * (SSR, Node, old browsers) each tab keeps its own socket. @default off
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

/** A time that may be Infinity for "never" (never lost, never suspended). */
const NEVER_0: Rule = { kind: 'ms', min: 0, never: true };

/**
 * Every option and how it is checked. Waits are bounded, so only outages may be `Infinity`
 * ("never lost", "never suspended", "never unreachable"); backoff and heartbeat are checked where
 * they are resolved (backoff.ts, heartbeat.ts), the error store's options by the store.
 */
const SOCKET_RULES = {
  url: { kind: 'url' },
  protocols: { kind: 'protocols' },
  autoConnect: BOOLEAN,
  schemas: OTHER,
  backoff: OTHER,
  minUptimeMs: MS_0,
  connectTimeoutMs: MS_1,
  heartbeat: OTHER,
  maxQueue: { kind: 'count', min: 0 },
  requestTimeoutMs: { kind: 'ms', min: 1, never: true },
  lostAfterMs: NEVER_0,
  suspendAfterMs: NEVER_0,
  maxHandshakeFailures: { kind: 'count', min: 1, never: true },
  errorCloseWindowMs: MS_0,
  refreshAuth: FUNCTION,
  refreshAuthTimeoutMs: MS_1,
  classification: {
    kind: 'object',
    rules: {
      overrides: OTHER,
      messages: OTHER,
    } satisfies Record<keyof ClassificationOptions, Rule>,
  },
  parse: {
    kind: 'object',
    rules: { maxFrameChars: COUNT_1, maxDepth: COUNT_1 } satisfies Record<keyof ParseOptions, Rule>,
  },
  errors: OTHER,
  WebSocket: FUNCTION,
  clock: OTHER,
  random: FUNCTION,
  environment: OTHER,
  delivery: OTHER,
  tabs: OTHER,
} as const satisfies Record<keyof SocketOptions, Rule>;

/**
 * The numeric options with defaults applied. In development every option is checked first, once,
 * at construction (an unknown key, a value out of range: an error naming the option, the value and
 * what it accepts; see option-checks.ts).
 */
export function resolveNumbers(options: SocketOptions<DataSchemas>): Numeric {
  try {
    if (process.env.NODE_ENV !== 'production') checkSocketOptions(options);
  } catch {
    checkSocketOptions(options); // no `process`: development (a refused option throws again)
  }
  return withDefaults(options, SOCKET_DEFAULTS) as Numeric;
}

function checkSocketOptions(options: SocketOptions<DataSchemas>): void {
  checkGiven('', options, SOCKET_RULES);
  // Required: checked when missing too (`createSocket()` included).
  checkValue('url', options?.url, SOCKET_RULES.url);
}
