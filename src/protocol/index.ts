/**
 * `sockguard/protocol`: the wire protocol as code, for server authors, proxies, logs and tests.
 * Frame parsing, the app and close code lists (and which close goes with which app code), the
 * code catalogs, fault classification, redaction and data validation. Pure: no socket, no React,
 * no zod, no browser global. The fault types are in `sockguard` too, which alone has `FaultError`
 * and the schema types (`StandardSchemaV1`, `InferOutput`...).
 */

export {
  AppErrorCode,
  type AppErrorCodeValue,
  closeCodeForAppCode,
  INTERNAL_ERROR_CLOSE_CODE,
} from './app-codes.js';
export type { ClassifyContext, FaultInput, FaultMessages, FaultOverrides } from './classify.js';
export { classify, closesAfterError, mergeErrorThenClose } from './classify.js';
export { isSendableCloseCode, isValidCloseCode } from './close-code-rules.js';
export type { AppCodeInfo, CodeInfo } from './codes.js';
export { APP_ERROR_CODES, CLOSE_CODES, describeCloseCode } from './codes.js';
export type { AckData, HelloData, ResumeFailure, WelcomeData } from './delivery.js';
export {
  ackFrame,
  DELIVERY_VERSION,
  DeliveryType,
  helloFrame,
  readAck,
  readHello,
  readWelcome,
  seqOf,
  welcomeFrame,
} from './delivery.js';
export { type EnglishTextOptions, englishTexts, safeServerText } from './english.js';
export type {
  Envelope,
  EnvelopeMeta,
  ErrorData,
  ErrorEnvelope,
  ParseOptions,
  ParseResult,
  WireEnvelope,
  WireMeta,
} from './envelope.js';
export {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_FRAME_CHARS,
  isErrorEnvelope,
  parseFrame,
} from './envelope.js';
// fault.ts holds the public fault types and nothing else.
export type * from './fault.js';
export { MIN_SECRET_LENGTH, redactKnown, redactText, redactUrl, secretsOfUrl } from './redact.js';
export { type DataCheck, validateData } from './standard-schema.js';
