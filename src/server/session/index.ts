/** The session layer of `sockguard/server`: the delivery extension's server side. */
export {
  type HistoryStore,
  isUncertain,
  isUnknownSession,
  type MaybePromise,
  type OpenedSession,
  OTHER_PRINCIPAL,
  type SessionBinding,
  type SessionEvent,
  UnknownSessionError,
  type Unsubscribe,
} from './history-store.js';
export {
  createMemoryHistory,
  type MemoryHistory,
  type MemoryHistoryOptions,
} from './memory-history.js';
export { createSessionServer } from './session-server.js';
export type {
  AcceptOptions,
  DrainOptions,
  DrainResult,
  Session,
  SessionError,
  SessionServer,
  SessionServerOptions,
  SessionSocket,
} from './types.js';
