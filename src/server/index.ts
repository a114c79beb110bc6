/**
 * `sockguard/server`: helpers for Node `ws` servers that speak the sockguard protocol correctly.
 * Nothing here imports `ws` at run time: pass your socket in.
 */
export {
  AppErrorCode,
  type AppErrorCodeValue,
  closeCodeForAppCode,
  INTERNAL_ERROR_CLOSE_CODE,
  isSendableCloseCode,
} from './codes.js';
export {
  buildEnvelope,
  buildErrorEnvelope,
  type ErrorData,
  type ErrorEnvelopeOptions,
  type WireEnvelope,
  type WireMeta,
} from './envelope.js';
export { MAX_CLOSE_REASON_BYTES, truncateCloseReason } from './reason.js';
export {
  type CloseWithErrorOptions,
  closeWithError,
  type ServerSocket,
  sendEnvelope,
  sendError,
} from './send.js';
