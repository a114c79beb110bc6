/**
 * Redaction of what the error store keeps and logs. It runs before anything is stored or handed to
 * `onFault`, whatever the reporter already did: a token in a message, a close reason or a URL must
 * never reach state, a logger or the screen.
 */
import type { Fault, FaultDetail } from '../../protocol/fault.js';
import { redactText, redactUrl } from '../../protocol/redact.js';
import type { FaultContext, FaultLog } from './types.js';

// Every string of `detail` is redacted, not only the known fields: a field the core adds later is
// covered without touching this file. `url` is a URL by contract, so it gets the stricter form.
function redactDetail(detail: FaultDetail): FaultDetail {
  const redacted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value !== 'string') redacted[key] = value;
    else redacted[key] = key === 'url' ? redactUrl(value) : redactText(value);
  }
  return redacted as FaultDetail;
}

/** A copy of `fault` with its message and every string of its detail redacted. */
export function redactFault(fault: Fault): Fault {
  return { ...fault, message: redactText(fault.message), detail: redactDetail(fault.detail) };
}

/** The logger's context: the report's context with its URL redacted, and the entry's count. */
export function faultLog(context: FaultContext, count: number): FaultLog {
  return context.url === undefined
    ? { ...context, count }
    : { ...context, url: redactUrl(context.url), count };
}
