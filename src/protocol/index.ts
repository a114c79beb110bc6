/** The public protocol API: envelope parsing, data schemas, code catalogs, fault classification. */

export type { ClassifyContext, FaultInput, FaultMessages, FaultOverrides } from './classify.js';
export { classify, closesAfterError, mergeErrorThenClose } from './classify.js';
export type { AppCodeInfo, CodeInfo } from './codes.js';
export { APP_ERROR_CODES, CLOSE_CODES, describeCloseCode } from './codes.js';
export type {
  Envelope,
  EnvelopeMeta,
  ErrorData,
  ErrorEnvelope,
  ParseOptions,
  ParseResult,
} from './envelope.js';
export {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_FRAME_CHARS,
  isErrorEnvelope,
  parseFrame,
} from './envelope.js';
export type {
  ClassificationOverride,
  ClientCode,
  ClientFault,
  CloseFault,
  EnvelopeFault,
  Fault,
  FaultAction,
  FaultDetail,
  FaultKind,
  FaultSeverity,
  FaultSource,
  TransportCode,
  TransportFault,
} from './fault.js';
export { FaultError, isFaultError } from './fault-error.js';
export { safeServerText } from './messages.js';
export { isValidCloseCode } from './policy.js';
export { redactText, redactUrl } from './redact.js';
export type {
  DataCheck,
  DataSchemas,
  InferInput,
  InferOutput,
  InputsOf,
  MessagesOf,
  StandardSchemaV1,
} from './standard-schema.js';
export { validateData } from './standard-schema.js';
