/**
 * `sockguard/react`: thin hooks over the framework-free core. Importing this entry touches no
 * browser global, so it works on a server, where every hook renders the `idle` state.
 */
export {
  SocketProvider,
  type SocketProviderProps,
  type SocketSource,
  useSocketInstance,
  useSocketRegistry,
} from './context.js';
export {
  createReactSocketRegistry,
  keyOfOptions,
  type ReactSocketOptions,
  type ReactSocketRegistry,
} from './default-registry.js';
export {
  createSocketRegistry,
  type SocketRegistry,
  type SocketRegistryOptions,
} from './registry.js';
export { IDLE_SNAPSHOT } from './snapshot.js';
export { useAuthRedirect } from './use-auth-redirect.js';
export { type ErrorToasts, useErrorToasts } from './use-error-toasts.js';
export { useLatestMessage } from './use-latest-message.js';
export { type RetryCountdown, useRetryCountdown } from './use-retry-countdown.js';
export { type UseSocketResult, useSocket } from './use-socket.js';
export { useSocketErrors } from './use-socket-errors.js';
export { useSocketMessage } from './use-socket-message.js';
export { useSocketState } from './use-socket-state.js';
