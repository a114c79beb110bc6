/**
 * `classify`: every failure, whatever its source, becomes one {@link Fault} (SPEC.md section 2).
 * One function over the table in `policy.ts`; the app can override any row and any text. Every
 * string a fault keeps for logs is redacted here, once: where faults are made.
 */

import { pairsWithError } from './app-codes.js';
import { clip } from './clip.js';
import type {
  ClassificationOverride,
  CloseFault,
  EnvelopeFault,
  Fault,
  FaultDetail,
  FaultSource,
} from './fault.js';
import type { ClassifyContext, FaultInput, FaultMessages } from './fault-input.js';
import {
  clientKind,
  clientRow,
  closeKind,
  closeRow,
  envelopeRow,
  TRANSPORT_ROW,
} from './policy.js';
import { redactText, redactUrl } from './redact.js';
import { defaultText } from './texts.js';

export type { ClassifyContext, FaultInput, FaultMessages, FaultOverrides } from './fault-input.js';

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

/**
 * Text made safe to keep: the exact strings the caller knows are credentials replaced (even bare,
 * as a server may echo a token), then anything that looks like one, then capped (a cut first could
 * leave half a token unseen).
 */
const redact = (text: string, max: number, known: readonly string[] | undefined): string =>
  clip(redactText(text.slice(0, max * 4), known), max);

/** Classifies one failure into a fault: table row, overrides, user text, redacted detail. */
export function classify(input: FaultInput, context: ClassifyContext): Fault {
  const { source, code } = input;
  const requested = source === 'close' && input.requested;
  const [rowSeverity, rowAction] =
    source === 'envelope'
      ? envelopeRow(code)
      : source === 'close'
        ? closeRow(code, requested)
        : source === 'transport'
          ? TRANSPORT_ROW
          : clientRow(code);
  const table = context.overrides?.[source] as
    | Readonly<Record<string | number, ClassificationOverride>>
    | undefined;
  const override =
    context.forced ?? (!requested && table && Object.hasOwn(table, code) ? table[code] : undefined);
  const severity = override?.severity ?? rowSeverity;
  const action = override?.action ?? rowAction;
  const { known } = context;
  const detail: Record<string, unknown> = {};
  if (context.url !== undefined) detail.url = redactUrl(context.url);
  const extra: { requestId?: string; retryAfterMs?: number } = {};
  if (source === 'envelope') {
    if (typeof input.message === 'string')
      detail.serverMessage = redact(input.message, 2000, known);
    if (validRetry(input.retryAfterMs)) extra.retryAfterMs = input.retryAfterMs;
  } else if (source === 'close') {
    detail.closeCode = code;
    detail.closeReason = redact(String(input.reason), 2000, known);
    detail.wasClean = input.wasClean;
  } else if (input.cause !== undefined) detail.cause = redact(input.cause, 500, known);
  if (source !== 'transport' && source !== 'close' && input.requestId !== undefined)
    extra.requestId = input.requestId;
  const kind =
    source === 'envelope'
      ? 'application'
      : source === 'close'
        ? closeKind(code, requested)
        : source === 'transport'
          ? 'transport'
          : clientKind(input.code);
  const fault = {
    id: context.id,
    source,
    code,
    kind,
    severity,
    action,
    timestamp: context.now,
    detail: detail as FaultDetail,
    ...extra,
    message: '',
  } as Fault;
  const text =
    appMessage(fault, context.messages) ??
    defaultText(source as FaultSource, code, action, requested);
  return { ...fault, message: text } as Fault;
}

/**
 * Whether a close is the second half of an error-then-close pair (SPEC.md section 1): its code
 * matches the envelope's (`pairsWithError` in `app-codes.ts`). An unrelated close soon after a
 * request error (a restart, a dead link) stays its own fault.
 */
export function closesAfterError(envelope: EnvelopeFault, close: CloseFault): boolean {
  return pairsWithError(envelope.code, close.code);
}

/**
 * SPEC.md section 1: an error envelope followed by a close is ONE fault: the envelope's id, code,
 * message and requestId; the close's severity and action; kind `connection`; `detail` gains
 * closeCode, closeReason and wasClean (both already redacted); `retryAfterMs` is the larger of
 * both. One exception: an envelope asking to re-authenticate (4003) keeps `reauthenticate` whatever
 * the close: a generic policy close (1008) after "token expired" still means "get a new token".
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
      ...(closeReason === undefined ? {} : { closeReason }),
      ...(wasClean === undefined ? {} : { wasClean }),
    },
  };
}
