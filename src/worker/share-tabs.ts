/**
 * `shareTabs({ worker })`: one connection for all tabs of an origin, held by a SharedWorker that
 * runs `serveSharedSocket()` (`sockguard/worker`). A function to import rather than a flag, so an
 * app that does not share does not ship it. Each tab gets the ordinary `Socket` over its own
 * MessagePort (tab.ts); nothing is elected or handed over.
 *
 * Where there is no SharedWorker (a browser without it, a server render, tests under Node) or the
 * app gave no `worker`, or the factory throws, each tab keeps its own socket, as the peers do, and
 * a development build says so once per reason.
 */
import type { SocketWrapper } from '../core/extension.js';
import { checkGiven, type Rule } from '../core/option-checks.js';
import type { SocketOptions } from '../core/options.js';
import { describeError } from '../core/socket.js';
import { why } from '../protocol/why.js';
import { connectTab } from './tab.js';
import { SETTINGS } from './tab-options.js';
import type { PortLike } from './wire.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** What `new SharedWorker(...)` is to a tab: its port is all the tab uses. */
export interface SharedWorkerLike {
  readonly port: PortLike;
}

/** Options of {@link shareTabs}. */
export interface ShareTabsOptions {
  /**
   * Makes the SharedWorker whose script calls `serveSharedSocket()` from `sockguard/worker`, the
   * same URL and `name` each call: the tab calls it once, and again to start a new worker when the
   * one it talks to dies (a SharedWorker dies with the page that started it when that page
   * crashes). Without it each tab keeps its own socket.
   *
   * ```ts
   * worker: () => new SharedWorker(new URL('./socket.worker.ts', import.meta.url), { type: 'module', name: 'sockguard' })
   * ```
   */
  readonly worker?: () => SharedWorkerLike;
  /** The connection's name across tabs. @default the URL, when it is a string or a URL */
  readonly key?: string;
  /**
   * The worker not heard from this long (at least twice its ping interval, 1000 ms) is dead:
   * this tab's pending work fails saying it may have arrived, and a new worker is started.
   * @default 2000
   */
  readonly workerTimeoutMs?: number;
  /** A request's own timer in the tab: its timeout plus this (the worker's timer goes first). @default 2000 */
  readonly requestGraceMs?: number;
}

/**
 * Checks the options (development builds). A function, not a table of rules read from SETTINGS:
 * a module-level table that reads another stays in a production bundle that never checks.
 */
const check = (options: ShareTabsOptions) =>
  checkGiven('shareTabs', options, {
    worker: { kind: 'function' },
    key: SETTINGS.key,
    workerTimeoutMs: SETTINGS.workerTimeoutMs,
    requestGraceMs: SETTINGS.requestGraceMs,
  } satisfies Record<keyof ShareTabsOptions, Rule>);

/** The brand of {@link TabsPlugin}: a type only (nothing reads it at run time, so none ships). */
declare const PLUGIN: unique symbol;

/** What `shareTabs()` returns: pass it as `createSocket({ tabs })`. */
export interface TabsPlugin extends SocketWrapper {
  readonly [PLUGIN]: true;
}

/** The reasons already told in this realm: once each. */
const told = new Set<string>();

/** Why a tab keeps its own socket; `error`: what the worker factory threw. */
type Reason = 'tabs_no_worker' | 'tabs_no_shared_worker' | 'tabs_worker_threw';

/** Says once (per text) why this tab keeps its own socket. */
function say(code: Reason, error: unknown): void {
  const threw = code === 'tabs_worker_threw';
  // A server render or a test under Node needs no warning that it has no worker; a page does.
  if (!threw && typeof Reflect.get(globalThis, 'document') !== 'object') return;
  const reason = threw ? why(code, describeError(error)) : why(code);
  if (told.has(reason)) return;
  told.add(reason);
  console.warn(`sockguard: shareTabs: ${reason}; this tab keeps its own socket`);
}

/**
 * Development builds: {@link say}. Apart, and given the code rather than the text, so that
 * production drops all of it.
 */
function tell(code: Reason, error?: unknown): void {
  try {
    if (process.env.NODE_ENV !== 'production') say(code, error);
  } catch {
    say(code, error); // no `process`: development
  }
}

/**
 * One connection for all tabs of this origin that ask for the same key: the socket lives in a
 * SharedWorker (the app's one-line worker file calls `serveSharedSocket()`), every tab gets the
 * same `Socket` API and hooks with the snapshot mirrored, and a send's or request's outcome and
 * faults settle in the tab that asked. Options are checked here (an error names the bad one);
 * the socket's own options are checked when it is made, and those that cannot cross to the worker
 * (a `classification.messages` function) are refused naming the option; `schemas` stay in each
 * tab, which checks what the worker hands it.
 *
 * What only a page can answer is asked of a live tab over its port, visible tabs first, each
 * given the hub's `askTimeoutMs` (5 s) before the next is asked, and at once when the asked tab
 * leaves: the `url` and `protocols` functions, `refreshAuth`, and a `backoff` function. The
 * backoff is asked with the retry (attempt, fault, hint, random draw) and the tab runs its own
 * function; its answer must be a number or `null` (anything else is refused by the worker). A
 * throw or rejection there, an answer that is not a delay, no tab answering, or no answer within
 * the core's 10 s bound: the default policy times that retry, and the socket's `callback_error`
 * reaches every tab's store. Every tab of a key must give the same options: a tab with a `backoff`
 * function and one without (or with a policy object, or another function, compared by source
 * text) are refused as any other settings mismatch, naming `backoff`.
 *
 * ```ts
 * const socket = createSocket({
 *   url: 'wss://example.com/live',
 *   tabs: shareTabs({
 *     worker: () =>
 *       new SharedWorker(new URL('./socket.worker.ts', import.meta.url), { type: 'module', name: 'sockguard' }),
 *   }),
 * });
 * ```
 */
export function shareTabs(options: ShareTabsOptions = {}): TabsPlugin {
  try {
    if (process.env.NODE_ENV !== 'production') check(options);
  } catch {
    check(options); // no `process`: development
  }
  const { worker, ...settings } = options;
  const plugin: SocketWrapper = {
    wrap(given) {
      if (worker === undefined) {
        tell('tabs_no_worker');
        return undefined;
      }
      if (typeof Reflect.get(globalThis, 'SharedWorker') !== 'function') {
        tell('tabs_no_shared_worker');
        return undefined;
      }
      // The first worker is made here, so a factory that cannot make one (a bundler that did not
      // emit the script, a Content-Security-Policy without worker-src) leaves this tab its own
      // socket instead of a shared one that can never connect.
      let fresh: PortLike | undefined;
      try {
        fresh = worker().port;
      } catch (error) {
        tell('tabs_worker_threw', error);
        return undefined;
      }
      return connectTab(
        () => {
          const port = fresh ?? worker().port;
          fresh = undefined;
          return port;
        },
        // `tabs` (this plugin) stays in the tab: wireOptions never sends it.
        given as SocketOptions,
        settings,
      );
    },
  };
  return plugin as TabsPlugin;
}
