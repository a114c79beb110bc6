/**
 * `serveSharedSocket()`: what the app's worker file calls. It makes the hub (hub.ts) and gives it
 * every tab that connects to this SharedWorker.
 */
import { why } from '../protocol/why.js';
import { createHub, type Hub, type HubOptions } from './hub.js';
import type { PortLike } from './wire.js';

/** The part of a SharedWorker's global scope this file uses. */
export interface SharedWorkerScope {
  addEventListener(
    type: 'connect',
    listener: (event: { readonly ports: readonly PortLike[] }) => void,
  ): void;
}

/**
 * Serves one connection per key to every tab of this origin that connects to this SharedWorker
 * (`shareTabs({ worker })` in the tabs). The whole worker file:
 *
 * ```ts
 * // socket.worker.ts
 * import { serveSharedSocket } from 'sockguard/worker';
 * serveSharedSocket();
 * ```
 *
 * Tabs whose `delivery` has a durable outbox need it made here, beside the socket: give
 * `serveSharedSocket({ outbox: indexedDbOutbox })` (`sockguard/outbox`); without it they are refused.
 *
 * The sockets are made here from the tabs' options (which must agree across tabs; a tab whose
 * options differ is refused with a fatal fault that names them). Options are checked here (an
 * error names the bad one). Throws, naming the fix, anywhere but a SharedWorker's global scope
 * unless `scope` is given.
 */
export function serveSharedSocket(
  options: HubOptions & { readonly scope?: SharedWorkerScope } = {},
): Hub {
  const { scope = sharedWorkerScope(), ...hubOptions } = options;
  const hub = createHub(hubOptions);
  scope.addEventListener('connect', (event) => {
    for (const port of event.ports) hub.connect(port);
  });
  return hub;
}

function sharedWorkerScope(): SharedWorkerScope {
  const Scope: unknown = Reflect.get(globalThis, 'SharedWorkerGlobalScope');
  if (typeof Scope !== 'function' || !(globalThis instanceof Scope))
    throw new TypeError(`sockguard: ${why('not_shared_worker')}`);
  return globalThis as unknown as SharedWorkerScope;
}
