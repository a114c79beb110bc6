/**
 * What a tab gives the worker: its socket options in the form that crosses a port (checked:
 * what cannot cross is refused naming the option), the key of the shared socket, and the tab's
 * own settings.
 */

import type { Rule } from '../core/option-checks.js';
import type { SocketOptions } from '../core/options.js';
import type { Delivered } from '../core/types.js';
import { refusal } from '../protocol/why.js';
import { QUESTIONS, type WireOptions, type WorkerMessage } from './wire.js';

/**
 * What a piece of this tab's work ended with, for {@link TabSettings.settled}. With delivery a
 * send ends `acknowledged` or `unconfirmed` (its receipt), never `written`.
 */
export type Settled = 'written' | 'acknowledged' | 'unconfirmed' | 'replied' | 'failed' | 'left';

/** A piece of this tab's work, as {@link TabSettings.settled} is told of it. */
export interface Work {
  readonly kind: 'send' | 'request';
  readonly data: unknown;
}

/** Settings of the tab's side (the socket's own options are the app's `SocketOptions`). */
export interface TabSettings {
  /** The connection's name across tabs. @default the URL, when it is a string or a URL */
  readonly key?: string;
  /**
   * The worker not heard from this long (in this tab's awake time: see tab.ts) is dead: this
   * tab's pending work fails and it starts a new worker. Never less than two of the ping
   * intervals the worker tells in its welcome (a worker silent for less is not dead).
   * @default 2000
   */
  readonly workerTimeoutMs?: number;
  /** A request's own timer here: its timeout plus this (the worker's timer goes first). @default 2000 */
  readonly requestGraceMs?: number;
  /**
   * @internal Told when a send or request of this tab ends (a test seam: development builds
   * only). Each piece of work is told exactly once.
   */
  readonly settled?: (work: Work, how: Settled) => void;
}

/** The rules of {@link TabSettings} (checked in development builds). */
export const SETTINGS: Readonly<Record<keyof TabSettings, Rule>> = {
  key: { kind: 'text' },
  workerTimeoutMs: { kind: 'ms', min: 100 },
  requestGraceMs: { kind: 'ms', min: 0 },
  settled: { kind: 'function' },
};

/**
 * Options that stay in the tab (the worker has its own, or the tab uses them itself: `schemas`
 * check what the worker hands this tab, as the core checks what its connection brings).
 */
const LOCAL = [
  'errors',
  'clock',
  'random',
  'WebSocket',
  'environment',
  'autoConnect',
  'tabs',
  'schemas',
];

/**
 * What `delivery()` returned, as a tab uses it: its settings and a durable outbox's `wire`
 * settings cross as data; the outbox's side in the tab (`tab`, src/outbox) shows the worker's
 * outbox and tells `durable()`, so that only the outbox's users ship it.
 */
export interface TabDelivery {
  readonly options?: object;
  readonly outbox?: {
    readonly wire?: object;
    /** Its side in the tab of `socket`; `post` tells the worker what the app gives up. */
    tab(
      socket: object,
      post: (message: { t: 'discard'; kept: string } | { t: 'clear' }) => void,
      fail: (code: 'invalid_envelope' | 'callback_error', cause: string) => void,
    ): TabOutboxSide;
  };
}

/** A durable outbox's side in a tab: what the tab tells it, and asks it, of its sends. */
export interface TabOutboxSide {
  /**
   * The send `id` returned `delivered` (with delivery, always): its `durable()` waits for the
   * worker's word, and is false when its receipt settles first. Returns the send's tag (wire.ts
   * `send.tag`), which the worker keeps it under.
   */
  send(id: number, delivered: Promise<Delivered> | undefined): { tag: string };
  /** A worker message the tab does not read itself (a malformed one is a fault, by `fail`). */
  on(message: WorkerMessage): void;
  /** What a new worker is handed for the send `id`: `adopt` when it is kept on the device. */
  kept(id: number): { t: 'adopt'; id: number; kept: string } | undefined;
}

/**
 * The delivery settings of what `delivery()` returned (its resolved `options`, numbers only, and
 * a durable outbox's `wire` settings), or undefined for anything else, and for an outbox whose
 * own storage or locks cannot cross a port (refused, never dropped).
 */
export const deliveryData = (value: unknown): Readonly<Record<string, unknown>> | undefined => {
  const { options: data, outbox } = (value ?? {}) as TabDelivery;
  return data instanceof Object && (!outbox || outbox.wire)
    ? { ...data, outbox: outbox?.wire }
    : undefined;
};

/**
 * The cloneable form of the options: a page-only function as a mark, `{ $fn: its source text }`
 * (tabs with different functions are told apart), a URL as its text, `delivery()` as its settings
 * (the worker makes its own from them). The page-only functions are `url`, `protocols`,
 * `refreshAuth` and `backoff`. Throws naming an option that cannot cross a port: `schemas` (not
 * supported yet), another function, a `classification.messages` function.
 */
export function wireOptions(options: SocketOptions): WireOptions {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (LOCAL.includes(key) || value === undefined) continue;
    const fn = typeof value === 'function';
    const dlv = key === 'delivery' && deliveryData(value);
    const refused =
      key === 'delivery'
        ? !dlv && 'tab_outbox'
        : fn && !(QUESTIONS as readonly string[]).includes(key)
          ? 'tab_function'
          : key === 'classification' && typeof Reflect.get(value, 'messages') === 'function'
            ? 'tab_messages'
            : '';
    if (refused) throw refusal(refused, key);
    wire[key] = dlv || (fn ? { $fn: String(value) } : key === 'url' ? String(value) : value);
  }
  return wire;
}

/** The shared socket's name: `key`, else the URL when it is text or a URL (else it throws). */
export function keyOf(options: SocketOptions, key: string | undefined): string {
  const { url } = options;
  const found = key ?? (typeof url === 'string' || url instanceof URL ? String(url) : undefined);
  if (found === undefined) throw refusal('tabs_key');
  return found;
}
