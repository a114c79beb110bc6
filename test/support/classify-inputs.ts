/** Test-only: classify inputs and a context shared by the classification tests. */
import type { ClassifyContext, FaultInput } from '../../src/protocol/classify.js';
import { englishTexts } from '../../src/protocol/english.js';

/** With the English texts per code (the default texts, one per action, have their own test). */
export const ctx: ClassifyContext = { id: 'f1', now: 1000, messages: englishTexts() };
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
