/**
 * The wire format (SPEC.md section 1) as zod/mini schemas: the readable specification, for users
 * who validate envelopes themselves (a server, a proxy, a test). The client does not use them on
 * its hot path: `parseFrame` is a hand guard that a property test proves equivalent.
 * Unknown keys are kept (`looseObject`), as the guard keeps them.
 */
import * as z from 'zod/mini';

/** `meta`: all keys optional; `retry_after_ms` a finite number >= 0. Unknown keys are kept. */
export const envelopeMetaSchema = z.looseObject({
  request_id: z.optional(z.string()),
  /** ISO 8601 by convention; only its type is checked, as a client must not drop a message over it. */
  timestamp: z.optional(z.string()),
  retry_after_ms: z.optional(z.number().check(z.gte(0))),
});

/** `data` of an error envelope: `code` a finite number, `message` a string, extras allowed. */
export const errorDataSchema = z.looseObject({
  code: z.number(),
  message: z.string(),
});

/** An `"error"` envelope. */
export const errorEnvelopeSchema = z.looseObject({
  type: z.literal('error'),
  data: errorDataSchema,
  meta: z.optional(envelopeMetaSchema),
});

/** Any envelope but `"error"`: a non-empty `type`, any `data` (or none). */
const otherEnvelopeSchema = z.looseObject({
  type: z.string().check(
    z.minLength(1),
    z.refine((type) => type !== 'error', 'type "error" needs error data'),
  ),
  data: z.optional(z.unknown()),
  meta: z.optional(envelopeMetaSchema),
});

/**
 * Every valid envelope: any non-empty `type` but `"error"`, or an error envelope. The common case
 * comes first: a union stops at the first branch that matches.
 */
export const envelopeSchema = z.union([otherEnvelopeSchema, errorEnvelopeSchema]);
