/** Test-only: classify inputs and a context shared by the classification tests. */
import type { ClassifyContext, FaultInput } from '../../src/protocol/classify.js';

export const ctx: ClassifyContext = { id: 'f1', now: 1000 };
export const envelope = (code: number, message: unknown, extra: object = {}): FaultInput => ({
  source: 'envelope',
  code,
  message,
  ...extra,
});
export const close = (code: number, reason = ''): FaultInput => ({
  source: 'close',
  code,
  reason,
  wasClean: true,
  requested: false,
});
/** A token-shaped string that redaction must remove. */
export const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
