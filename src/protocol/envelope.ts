/**
 * The envelope (SPEC.md section 1) and `parseFrame`, the only place an inbound frame is parsed.
 * It runs on every message, so it is a hand-written structural guard: no zod, no reviver, no regex
 * over the frame. `schemas.ts` holds the same rules as zod/mini schemas, and a property test proves
 * the two agree.
 */
import { clip } from './clip.js';
import { countOpeners, hasProtoKey, nestsDeeperThan } from './json-walk.js';
import { why } from './why.js';

/** Envelope metadata (SPEC.md section 1). Unknown keys are kept. */
export interface EnvelopeMeta {
  readonly request_id?: string;
  readonly timestamp?: string;
  readonly retry_after_ms?: number;
  readonly [key: string]: unknown;
}

/** An inbound envelope after validation. `data` is typed when a schema is registered for `type`. */
export interface Envelope<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
  readonly meta?: EnvelopeMeta;
}

/** The `data` of an `"error"` envelope. Extra fields are kept. */
export interface ErrorData {
  readonly code: number;
  readonly message: string;
  readonly [key: string]: unknown;
}

/** An envelope of type `"error"` (SPEC.md section 1). */
export type ErrorEnvelope = Envelope<'error', ErrorData>;

/**
 * An envelope as a server or mock server builds and reads it: any `type`, `data` of type `D`.
 * The same shape as {@link Envelope}; the name the server helpers and the testing kit use.
 */
export type WireEnvelope<D = unknown> = Envelope<string, D>;

/** Envelope metadata on the server side: the same as {@link EnvelopeMeta}. */
export type WireMeta = EnvelopeMeta;

/** Limits of {@link parseFrame}. */
export interface ParseOptions {
  /** Frames longer than this (in UTF-16 code units) are refused before parsing. @default 1_048_576 */
  readonly maxFrameChars?: number;
  /** Objects and arrays nested deeper than this are refused. @default 64 */
  readonly maxDepth?: number;
}

/**
 * What {@link parseFrame} made of a frame. `invalid_frame`: not text, too large, not JSON or too
 * deep. `invalid_envelope`: JSON, but not an envelope. `cause` is short and never echoes the frame.
 */
export type ParseResult =
  | { readonly ok: true; readonly envelope: Envelope }
  | {
      readonly ok: false;
      readonly code: 'invalid_frame' | 'invalid_envelope';
      readonly cause: string;
      /**
       * The frame's `meta.request_id` when it was JSON with one (an error reply with malformed
       * `data`, say): the request it answers can fail at once instead of waiting for its timeout.
       */
      readonly requestId?: string;
    };

/** @see ParseOptions.maxFrameChars */
export const DEFAULT_MAX_FRAME_CHARS = 1_048_576;
/** @see ParseOptions.maxDepth */
export const DEFAULT_MAX_DEPTH = 64;
const MAX_CAUSE_CHARS = 120;
/** How many times `maxDepth` openers `parseFrame` counts before the depth scan (see there). */
const OPENERS_COUNTED = 4;

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const fail = (
  code: 'invalid_frame' | 'invalid_envelope',
  cause: string,
  requestId?: string,
): ParseResult => ({
  ok: false,
  code,
  cause: clip(cause, MAX_CAUSE_CHARS),
  ...(requestId === undefined ? {} : { requestId }),
});

function describeNonText(raw: unknown): string {
  if (raw === null) return 'null';
  if (typeof raw !== 'object') return typeof raw;
  const name = (raw as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}

function checkMeta(meta: unknown): string | undefined {
  if (!isPlainObject(meta)) return why('meta_not_object');
  const { request_id, timestamp, retry_after_ms } = meta;
  if (request_id !== undefined && typeof request_id !== 'string') return why('meta_request_id');
  if (timestamp !== undefined && typeof timestamp !== 'string') return why('meta_timestamp');
  if (
    retry_after_ms !== undefined &&
    (typeof retry_after_ms !== 'number' || !Number.isFinite(retry_after_ms) || retry_after_ms < 0)
  ) {
    return why('meta_retry_after');
  }
  return undefined;
}

/** The rule every envelope meets first: a plain object with a non-empty string `type`. */
function shapeProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) {
    return why(
      'not_object',
      value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value,
    );
  }
  const { type } = value;
  if (type === undefined) return why('no_type');
  if (typeof type !== 'string') return why('type_not_string');
  if (type === '') return why('empty_type');
  return undefined;
}

/**
 * True for a parsed JSON value with an envelope's shape: a plain object whose `type` is a
 * non-empty string. Looser than {@link parseFrame} (`meta` and error `data` are not checked): the
 * testing kit reads the client's frames with it.
 */
export function hasEnvelopeShape(value: unknown): value is WireEnvelope {
  return shapeProblem(value) === undefined;
}

/** The envelope rules on an already parsed JSON value: the first broken rule, or undefined. */
function envelopeProblem(value: unknown): string | undefined {
  const shape = shapeProblem(value);
  if (shape !== undefined || !isPlainObject(value)) return shape;
  const { type, data, meta } = value;
  if (meta !== undefined) {
    const problem = checkMeta(meta);
    if (problem !== undefined) return problem;
  }
  if (type === 'error') {
    if (!isPlainObject(data)) return why('error_data');
    if (typeof data.code !== 'number' || !Number.isFinite(data.code)) return why('error_code');
    if (typeof data.message !== 'string') return why('error_message');
  }
  return undefined;
}

/**
 * Parses one inbound frame into an envelope. Never throws, whatever `raw` is. Size and depth are
 * checked on the text BEFORE `JSON.parse`: a 50 MB frame is refused unread, a frame nested 400,000
 * deep after reading `maxDepth` brackets (the depth scan runs only when a cheap count says the frame
 * has more brackets than `maxDepth`, so small frames never pay for it, and that count lets the scan
 * stop once the brackets left cannot go deeper than `maxDepth`). `__proto__` keys (a
 * prototype pollution vector for any later merge) are looked for in the parsed value, only when the
 * text could hold one. A valid frame returns the parsed object itself.
 */
export function parseFrame(raw: unknown, options?: ParseOptions): ParseResult {
  if (typeof raw !== 'string') return fail('invalid_frame', why('not_text', describeNonText(raw)));
  const maxChars = options?.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  if (raw.length > maxChars) {
    return fail('invalid_frame', why('frame_too_long', raw.length, maxChars));
  }
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  // Openers are counted up to a few times the limit: past that their number is not known, and
  // the scan reads until it is sure.
  const openers = raw.length < 2 * maxDepth ? 0 : countOpeners(raw, OPENERS_COUNTED * maxDepth);
  if (openers > maxDepth && nestsDeeperThan(raw, maxDepth, openers)) {
    return fail('invalid_frame', why('too_deep', maxDepth));
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    // A RangeError is the engine giving up on nesting; anything else is a syntax error.
    if (error instanceof RangeError) return fail('invalid_frame', why('too_deep_to_parse'));
    return fail('invalid_frame', why('bad_json', error instanceof Error ? error.message : ''));
  }
  // `\u00` catches a key spelled with escapes (`"\u005f_proto__"`), which JSON.parse decodes.
  // No leading quote in the needle: V8 stops at every `"` of the frame, 7x slower (measured).
  if ((raw.includes('__proto__') || raw.includes('\\u00')) && hasProtoKey(value)) {
    return fail('invalid_envelope', why('proto_key'));
  }
  const problem = envelopeProblem(value);
  if (problem !== undefined) return fail('invalid_envelope', problem, requestIdOf(value));
  return { ok: true, envelope: value as unknown as Envelope };
}

/** `meta.request_id` of a parsed value, when it is a non-empty string. */
function requestIdOf(value: unknown): string | undefined {
  if (!isPlainObject(value) || !isPlainObject(value.meta)) return undefined;
  const id = value.meta.request_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * True for an `"error"` envelope with valid `data` (`parseFrame` already guarantees it; the check is
 * repeated for envelopes built elsewhere, e.g. by tests or a mock server).
 */
export function isErrorEnvelope(envelope: Envelope): envelope is ErrorEnvelope {
  return envelope.type === 'error' && envelopeProblem(envelope) === undefined;
}
