/**
 * `sockguard`: the framework-free core. A WebSocket client that survives real networks
 * (`createSocket`), the error store its faults go to (`createErrorStore`), and the types an app
 * names: options, snapshot, socket, faults, messages. The protocol internals (parsing,
 * classification, code catalogs) are `sockguard/protocol`. No React here, and nothing reads a
 * browser global at import.
 */

export {
  type BackoffFunction,
  type BackoffInput,
  type BackoffPolicy,
  DEFAULT_BACKOFF,
} from './core/backoff.js';
export { type Clock, systemClock, type TimerHandle } from './core/clock.js';
export type { BrowserEnvironment } from './core/environment.js';
export {
  createErrorStore,
  ERROR_STORE_DEFAULTS,
  type ErrorState,
  type ErrorStore,
  type ErrorStoreOptions,
  type FaultContext,
  type FaultLog,
  type StoredFault,
  selectAuthFault,
  selectFatal,
  selectFaults,
  selectToasts,
  type Toast,
} from './core/error-store/error-store.js';
export type { ExtensionFactory, SocketWrapper } from './core/extension.js';
export { DEFAULT_HEARTBEAT, type HeartbeatOptions } from './core/heartbeat.js';
export {
  type ClassificationOptions,
  type ProtocolsSource,
  SOCKET_DEFAULTS,
  type SocketOptions,
  type UrlSource,
} from './core/options.js';
export { createSocket } from './core/socket.js';
export type {
  DataOf,
  Delivered,
  Envelope,
  EnvelopeMeta,
  EnvelopeOf,
  MessageHandler,
  MessageMap,
  SendDataOf,
  SendResult,
  Socket,
  SocketMessages,
  SocketSnapshot,
  SocketStatus,
} from './core/types.js';
export { isUnauthorized, type UnauthorizedError, unauthorized } from './core/unauthorized.js';
export type { SocketEventLike, WebSocketConstructor, WebSocketLike } from './core/websocket.js';
export type {
  DeliveryChannel,
  DeliverySnapshot,
  Recovery,
} from './delivery/delivery.js';
export { DELIVERY_DEFAULTS, type DeliveryOptions } from './delivery/options.js';
export { type DeliveryPlugin, delivery, deliveryOf } from './delivery/plugin.js';
export type { DeliveryOutbox } from './delivery/store.js';
export {
  type KeptSend,
  NO_OUTBOX,
  type OutboxChannel,
  type OutboxSnapshot,
  outboxOf,
} from './outbox/channel.js';
// The protocol types an app names (its faults, the option types of `classification` and `parse`,
// the schema types of `schemas`); the rest of the protocol is `sockguard/protocol`.
export type { FaultMessages, FaultOverrides } from './protocol/classify.js';
export { type EnglishTextOptions, englishTexts } from './protocol/english.js';
export type { ParseOptions } from './protocol/envelope.js';
// fault.ts holds the public fault types and nothing else.
export type * from './protocol/fault.js';
export { FaultError, isFaultError } from './protocol/fault-error.js';
export type {
  DataSchemas,
  InferInput,
  InferOutput,
  InputsOf,
  MessagesOf,
  StandardSchemaV1,
} from './protocol/standard-schema.js';
export { type RequestOptions, request } from './request/request.js';
export { type Validation, validate } from './validate/validate.js';
export {
  type SharedWorkerLike,
  type ShareTabsOptions,
  shareTabs,
  type TabsPlugin,
} from './worker/share-tabs.js';
export type { PortLike } from './worker/wire.js';
