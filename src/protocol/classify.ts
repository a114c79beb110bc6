/**
 * `classify`: every failure, whatever its source, becomes one {@link Fault} (SPEC.md section 2).
 * One function over the table in `policy.ts`; the app can override any row and any text.
 */

import { pairsWithError } from './app-codes.js';
import { clip } from './clip.js';
import type {
  ClassificationOverride,
  CloseFault,
  EnvelopeFault,
  Fault,
  FaultDetail,
  FaultKind,
} from './fault.js';
import type { ClassifyContext, FaultInput, FaultMessages } from './fault-input.js';
import {
  clientKind,
  clientRow,
  closeKind,
  closeRow,
  envelopeRow,
  type Row,
  TRANSPORT_ROW,
} from './policy.js';
import { redactKnown, redactText, redactUrl } from './redact.js';
import {
  CLIENT_TEXTS,
  closeText,
  envelopeText,
  safeServerText,
  transportText,
} from './user-texts.js';

export type { ClassifyContext, FaultInput, FaultMessages, FaultOverrides } from './fault-input.js';

const MAX_SERVER_MESSAGE_CHARS = 2000;
const MAX_CAUSE_CHARS = 500;

/** Redacted, then capped (a cut first could leave half a token the patterns no longer see). */
const redactCapped = (text: string, max: number, known: readonly string[] | undefined): string =>
  clip(redactText(text.slice(0, max * 4), known), max);

function pick<K extends string | number>(
  table: Readonly<Partial<Record<K, ClassificationOverride>>> | undefined,
  code: K,
): ClassificationOverride | undefined {
  return table !== undefined && Object.hasOwn(table, code) ? table[code] : undefined;
}

const validRetry = (ms: number | undefined): ms is number =>
  typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;

/** The app's own text for a fault; a throwing or empty one keeps the default. */
function appMessage(fault: Fault, messages: FaultMessages | undefined): string | undefined {
  if (messages === undefined) return undefined;
  try {
    const text =
      typeof messages === 'function'
        ? messages(fault)
        : Object.hasOwn(messages, fault.code)
          ? messages[fault.code]
          : undefined;
    return typeof text === 'string' && text !== '' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Classifies one failure into a fault: table row, overrides, user text, redacted detail. */
export function classify(input: FaultInput, context: ClassifyContext): Fault {
  const { overrides, known } = context;
  let row: Row;
  let kind: FaultKind;
  let override: ClassificationOverride | undefined;
  if (input.source === 'envelope') {
    row = envelopeRow(input.code);
    kind = 'application';
    override = pick(overrides?.envelope, input.code);
  } else if (input.source === 'close') {
    row = closeRow(input.code, input.requested);
    kind = closeKind(input.code, input.requested);
    override = input.requested ? undefined : pick(overrides?.close, input.code);
  } else if (input.source === 'transport') {
    row = TRANSPORT_ROW;
    kind = 'transport';
    override = pick(overrides?.transport, input.code);
  } else {
    row = clientRow(input.code);
    kind = clientKind(input.code);
    override = pick(overrides?.client, input.code);
  }
  const severity = override?.severity ?? row[0];
  const action = override?.action ?? row[1];
  const url = context.url === undefined ? {} : { url: redactUrl(context.url) };
  const common = { id: context.id, kind, severity, action, timestamp: context.now };
  let fault: Fault;
  if (input.source === 'envelope') {
    const { code, message, requestId, retryAfterMs } = input;
    // 5000 is a server bug: its text is for the log, never for the user.
    const shown = code === 5000 ? undefined : safeServerText(message, context.maxMessageLength);
    const detail: FaultDetail =
      typeof message === 'string'
        ? { ...url, serverMessage: redactCapped(message, MAX_SERVER_MESSAGE_CHARS, known) }
        : url;
    fault = {
      ...common,
      source: 'envelope',
      code,
      message: shown ?? envelopeText(code),
      detail,
      ...(requestId === undefined ? {} : { requestId }),
      ...(validRetry(retryAfterMs) ? { retryAfterMs } : {}),
    };
  } else if (input.source === 'close') {
    const { code, reason, wasClean, requested } = input;
    const closeReason = redactCapped(String(reason), MAX_SERVER_MESSAGE_CHARS, known);
    fault = {
      ...common,
      source: 'close',
      code,
      message: closeText(code, action, requested),
      detail: { ...url, closeCode: code, closeReason, wasClean },
    };
  } else {
    const cause =
      input.cause === undefined ? {} : { cause: redactCapped(input.cause, MAX_CAUSE_CHARS, known) };
    const detail: FaultDetail = { ...url, ...cause };
    fault =
      input.source === 'transport'
        ? {
            ...common,
            source: 'transport',
            code: input.code,
            message: transportText(input.code, action),
            detail,
          }
        : {
            ...common,
            source: 'client',
            code: input.code,
            message: CLIENT_TEXTS[input.code],
            detail,
            ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
          };
  }
  const text = appMessage(fault, context.messages) ?? fault.message;
  // The server's own text is shown as is when it reads as plain prose: a token it echoed bare
  // matches no pattern, so the strings the caller knows are taken out here too.
  const message = known === undefined || known.length === 0 ? text : redactKnown(text, known);
  return message === fault.message ? fault : { ...fault, message };
}

/**
 * Whether a close is the second half of an error-then-close pair (SPEC.md section 1): its code
 * matches the envelope's (`pairsWithError` in `app-codes.ts`). An unrelated close soon after a
 * request error (a restart, a dead link) stays its own fault, so the restart is not reported as
 * "room not found".
 */
export function closesAfterError(envelope: EnvelopeFault, close: CloseFault): boolean {
  return pairsWithError(envelope.code, close.code);
}

/**
 * SPEC.md section 1: an error envelope followed by a close is ONE fault: the envelope's id, code,
 * message and requestId; the close's severity and action; kind `connection`; `detail` gains
 * closeCode, closeReason (redacted) and wasClean; `retryAfterMs` is the larger of both.
 * One exception: an envelope asking to re-authenticate (4003) keeps `reauthenticate` whatever the
 * close: a generic policy close (1008) after "token expired" still means "get a new token", and
 * `stop` would skip both the refresh and the auth redirect.
 */
export function mergeErrorThenClose(envelope: EnvelopeFault, close: CloseFault): EnvelopeFault {
  const hints = [envelope.retryAfterMs, close.retryAfterMs].filter(validRetry);
  const { closeReason, wasClean } = close.detail;
  const reauth = envelope.action === 'reauthenticate';
  return {
    ...envelope,
    kind: 'connection',
    severity: reauth ? 'fatal' : close.severity,
    action: reauth ? 'reauthenticate' : close.action,
    ...(hints.length === 0 ? {} : { retryAfterMs: Math.max(...hints) }),
    detail: {
      ...envelope.detail,
      closeCode: close.code,
      // Redacted again: cheap, and safe when the close fault was not built by `classify`.
      closeReason: redactText(closeReason ?? ''),
      ...(wasClean === undefined ? {} : { wasClean }),
    },
  };
}
