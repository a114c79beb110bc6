/**
 * The socket of one key: an ordinary core socket made from the options the first tab gave, its
 * page-only functions turned into questions to the tabs, its faults routed (not kept), its
 * environment made of every tab's, and what it says told to the tabs.
 */

import type { BackoffInput } from '../core/backoff.js';
import { hostOf } from '../core/extension.js';
import { COUNT_1, checkGiven, MS_1, type Rules, TEXT } from '../core/option-checks.js';
import type { SocketOptions } from '../core/options.js';
import type { Socket } from '../core/types.js';
import { checkDelivery, DELIVERY_DEFAULTS, type DeliveryOptions } from '../delivery/options.js';
import { adoptedDelivery, deliveryOf } from '../delivery/plugin.js';
import { outboxOf } from '../outbox/channel.js';
import { why } from '../protocol/why.js';
import type { HubContext, Shared } from './hub-context.js';
import type { HubOptions, HubOutbox, OutboxSettings } from './hub-options.js';
import type { Questions } from './questions.js';
import type { Routing } from './routing.js';
import { asBrowser, sharedEnvironment } from './shared-environment.js';
import type { Question, WireOptions } from './wire.js';

const QUESTIONS: readonly Question[] = ['url', 'protocols', 'refreshAuth', 'backoff'];
/**
 * The socket options a tab may give the worker (what crosses a port as data, the page-only
 * functions as marks, `delivery` as its settings). Anything else (`WebSocket`, `tabs`, ...) is
 * refused by name: the worker decides what it runs with, not the tab.
 */
const WIRE_KEYS = new Set([
  'url',
  'protocols',
  'refreshAuth',
  'backoff',
  'minUptimeMs',
  'connectTimeoutMs',
  'heartbeat',
  'maxQueue',
  'requestTimeoutMs',
  'lostAfterMs',
  'suspendAfterMs',
  'maxHandshakeFailures',
  'errorCloseWindowMs',
  'refreshAuthTimeoutMs',
  'classification',
  'parse',
  'delivery',
]);
const isMark = (value: unknown): value is { $fn: string } =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, '$fn') === 'string';

/**
 * A tab's answer to `backoff`, checked (a tab is another party): a number or null, else a
 * rejection, which the core takes as a throw (the default policy times that retry).
 */
const delayOf = (value: unknown): number | null => {
  if (value === null || typeof value === 'number') return value;
  throw new Error(why('answer_unsendable', 'backoff'));
};

/** What a shared socket is made with. */
export interface SharedParts {
  readonly ctx: HubContext;
  readonly makeSocket: (options: SocketOptions) => Socket;
  readonly routing: Routing;
  readonly questions: Questions;
  /** The worker file's `serveSharedSocket({ outbox })`. */
  readonly outbox: HubOptions['outbox'];
}

const OUTBOX_RULES: Rules = {
  user: TEXT,
  key: TEXT,
  maxCount: COUNT_1,
  maxBytes: COUNT_1,
  loadTimeoutMs: MS_1,
};

/**
 * The outbox a tab's `delivery.outbox` settings ask for, made here (where the socket lives, so
 * that one outbox serves every tab). The settings are checked in every build (a tab is another
 * party); a worker file that gave no `outbox` refuses them, naming the fix.
 */
function makeOutbox(parts: SharedParts, wanted: unknown): HubOutbox {
  if (!parts.outbox) throw new TypeError(`sockguard: ${why('worker_no_outbox')}`);
  checkGiven('delivery.outbox', wanted, OUTBOX_RULES);
  const settings = wanted as OutboxSettings;
  if (settings === undefined || settings.user === undefined)
    throw new TypeError(`sockguard: ${why('outbox_user')}`);
  // Held until kept: a tab hands a new worker again what this one did not say it kept, so the
  // server must not have that send already (frames written before their write committed would be).
  return parts.outbox({ ...settings, holdUntilKept: true });
}

/** The page-only options become questions to the tabs; the rest is taken as the tabs gave it. */
function socketOptions(parts: SharedParts, shared: Shared, wire: WireOptions): SocketOptions {
  const given: Record<string, unknown> = { ...wire };
  for (const key of Object.keys(given))
    if (!WIRE_KEYS.has(key)) throw new TypeError(`sockguard: ${why('not_tab_option', key)}`);
  for (const what of QUESTIONS) {
    if (!isMark(wire[what])) continue;
    given[what] =
      what === 'refreshAuth'
        ? () => parts.questions.ask(shared, what).then(() => undefined)
        : what === 'backoff'
          ? (input: BackoffInput) => parts.questions.ask(shared, what, input).then(delayOf)
          : () => parts.questions.ask(shared, what);
  }
  for (const [key, value] of Object.entries(given))
    if (isMark(value)) throw new TypeError(`sockguard: ${why('worker_function', key)}`);
  if (given.delivery !== undefined) {
    // The tab's settings, checked in every build (a tab is another party): the worker makes the
    // delivery, and tells each kept send's failure to the routing before it is reported.
    const { outbox: wanted, ...settings } = given.delivery as DeliveryOptions & {
      readonly outbox?: unknown;
    };
    checkDelivery(settings);
    if (wanted !== undefined) shared.outbox = makeOutbox(parts, wanted);
    const { outbox } = shared;
    given.delivery = adoptedDelivery(
      { ...settings, ...(outbox && { outbox }) },
      { refused: (frame, fault) => parts.routing.refused(shared, frame, fault) },
    );
    // Every send queued here is one delivery keeps, bounded by its `maxUnacked`: the queue takes
    // as many, or a tab handing its kept sends to this new worker (not open yet) would see some
    // refused `queue_overflow` past `maxQueue`, though its last worker may have written them.
    given.maxQueue = Math.max(
      (given.maxQueue as number | undefined) ?? 100,
      settings.maxUnacked ?? DELIVERY_DEFAULTS.maxUnacked,
    );
  }
  return {
    ...(given as unknown as SocketOptions),
    errors: parts.routing.store(shared),
    environment: asBrowser(shared.environment),
    clock: parts.ctx.clock,
    autoConnect: false,
  };
}

/** The socket of `key`, made from `wire` (throws naming an option a tab cannot give). */
export function openShared(parts: SharedParts, key: string, wire: WireOptions): Shared {
  const shared: Shared = {
    key,
    options: wire,
    socket: undefined as unknown as Socket,
    tabs: new Set(),
    frames: new Map(),
    kept: new Map(),
    owners: new Map(),
    environment: sharedEnvironment(),
    grace: undefined,
  };
  const socket = parts.makeSocket(socketOptions(parts, shared, wire));
  shared.socket = socket;
  socket.subscribe(() =>
    parts.ctx.everyone(shared, { v: 1, t: 'snapshot', snapshot: socket.getSnapshot() }),
  );
  socket.on('*', (envelope) => parts.routing.inbound(shared, envelope));
  if (wire.delivery) {
    const books = deliveryOf(socket);
    books.subscribe(() =>
      parts.ctx.everyone(shared, { v: 1, t: 'delivery', snapshot: books.getSnapshot() }),
    );
  }
  if (shared.outbox) {
    const view = outboxOf(socket);
    view.subscribe(() =>
      parts.ctx.everyone(shared, { v: 1, t: 'outbox', snapshot: view.getSnapshot() }),
    );
  }
  parts.routing.track(shared, hostOf(socket));
  return shared;
}
