/**
 * `sockguard`: the framework-free core. A WebSocket client that survives real networks
 * (`createSocket`), the error store its faults go to (`createErrorStore`), and the protocol layer
 * (envelopes, codes, classification). No React here, and nothing reads a browser global at import.
 */

export {
  type BackoffFunction,
  type BackoffInput,
  type BackoffPolicy,
  backoffCeiling,
  backoffDelay,
  DEFAULT_BACKOFF,
  resolveBackoff,
} from './core/backoff.js';
export { type Clock, systemClock, type TimerHandle } from './core/clock.js';
export type { BrowserEnvironment } from './core/environment.js';
export * from './core/error-store.js';
export { DEFAULT_HEARTBEAT, type HeartbeatOptions } from './core/heartbeat.js';
export {
  type ClassificationOptions,
  type ProtocolsSource,
  SOCKET_DEFAULTS,
  type SocketOptions,
  type UrlSource,
} from './core/options.js';
export { createSocket } from './core/socket.js';
export { INITIAL_SNAPSHOT, type SocketEvent, transition } from './core/state.js';
export type {
  DataOf,
  Envelope,
  EnvelopeMeta,
  EnvelopeOf,
  MessageHandler,
  MessageMap,
  RequestOptions,
  SendDataOf,
  SendResult,
  Socket,
  SocketMessages,
  SocketSnapshot,
  SocketStatus,
} from './core/types.js';
export { isUnauthorized, type UnauthorizedError, unauthorized } from './core/unauthorized.js';
export type { SocketEventLike, WebSocketConstructor, WebSocketLike } from './core/websocket.js';
export * from './protocol/index.js';
