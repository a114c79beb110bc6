/**
 * `sockguard/worker`: the SharedWorker side of one connection for all tabs. The app's worker file
 * is one call, `serveSharedSocket()`; the tabs use `shareTabs({ worker })` from `sockguard`. No
 * React, no DOM: it runs in a worker.
 */
export type { Hub, HubOptions } from './hub.js';
export { HUB_DEFAULTS } from './hub-options.js';
export { type SharedWorkerScope, serveSharedSocket } from './serve.js';
