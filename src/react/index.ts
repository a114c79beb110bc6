/**
 * `sockguard/react`: thin hooks over the framework-free core. Importing this entry touches no
 * browser global, so it works on a server, where every hook renders the `idle` state.
 *
 * No `'use client'` here on purpose: each module with hooks or context carries it, so in a React
 * Server Components app (Next.js) importing this entry from a server component gives client
 * references for the provider and hooks, while the plain functions (`createSocketHooks`,
 * `createReactSocketRegistry`) stay callable on the server.
 */
export {
  SocketProvider,
  type SocketProviderProps,
  type SocketSource,
  type TypedOptions,
} from './context.js';
export { createSocketHooks, type SocketHooks } from './create-socket-hooks.js';
// The registry behind the provider's `registry` prop (e.g. a grace period of 0 in tests).
export {
  createReactSocketRegistry,
  type ReactSocketOptions,
  type ReactSocketRegistry,
} from './default-registry.js';
export { useAuthRedirect } from './use-auth-redirect.js';
export { useDelivery } from './use-delivery.js';
export { type ErrorToasts, useErrorToasts } from './use-error-toasts.js';
export { useLatestMessage } from './use-latest-message.js';
export { useOutbox } from './use-outbox.js';
export { useSocketInstance } from './use-retained-socket.js';
export { type RetryCountdown, useRetryCountdown } from './use-retry-countdown.js';
export { useSocket } from './use-socket.js';
export { useSocketErrors } from './use-socket-errors.js';
export { useSocketMessage } from './use-socket-message.js';
export type { UseSocketOptions, UseSocketResult } from './use-socket-result.js';
export { useSocketState } from './use-socket-state.js';
