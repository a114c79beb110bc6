/**
 * `sockguard/server`: helpers for Node `ws` servers that speak the sockguard protocol correctly.
 * Nothing here imports `ws` at run time: pass your socket in.
 */
// The codes, close rules and envelope types are the protocol's (`sockguard/protocol`), re-exported
// here so a server needs one import.
export {
  AppErrorCode,
  type AppErrorCodeValue,
  closeCodeForAppCode,
  INTERNAL_ERROR_CLOSE_CODE,
} from '../protocol/app-codes.js';
export { isSendableCloseCode } from '../protocol/close-code-rules.js';
export type { ErrorData, WireEnvelope, WireMeta } from '../protocol/envelope.js';
export { buildEnvelope, buildErrorEnvelope, type ErrorEnvelopeOptions } from './envelope.js';
export { MAX_CLOSE_REASON_BYTES, truncateCloseReason } from './reason.js';
// The Redis store imports no Redis client (you pass yours in): this entry stays free of `redis`.
export {
  createRedisHistory,
  type RedisCommandClient,
  type RedisDuplicableClient,
  type RedisHistory,
  type RedisHistoryOptions,
  type RedisMessageListener,
  type RedisOwnedSubscriber,
  type RedisSubscriberClient,
  RedisTimeoutError,
} from './redis/index.js';
export {
  type CloseWithErrorOptions,
  closeWithError,
  type ServerSocket,
  sendEnvelope,
  sendError,
} from './send.js';
export {
  type AcceptOptions,
  createMemoryHistory,
  createSessionServer,
  type DrainOptions,
  type DrainResult,
  type HistoryStore,
  isUncertain,
  isUnknownSession,
  type MaybePromise,
  type MemoryHistory,
  type MemoryHistoryOptions,
  type OpenedSession,
  OTHER_PRINCIPAL,
  type Session,
  type SessionBinding,
  type SessionError,
  type SessionEvent,
  type SessionServer,
  type SessionServerOptions,
  type SessionSocket,
  UnknownSessionError,
  type Unsubscribe,
} from './session/index.js';
