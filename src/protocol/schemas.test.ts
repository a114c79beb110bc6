import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrame } from './envelope.js';
import { envelopeMetaSchema, envelopeSchema, errorEnvelopeSchema } from './schemas.js';

/** True when a parsed JSON value has a `__proto__` key or nests deeper than 64: guard-only rules. */
function guardOnly(value: unknown, depth = 1): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > 64) return true;
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return true;
  return Object.values(value).some((item) => guardOnly(item, depth + 1));
}

/** Both verdicts on one JSON text, or null when only the guard has a rule for it. */
function verdicts(raw: string): { guard: boolean; schema: boolean } | null {
  const value: unknown = JSON.parse(raw);
  if (guardOnly(value)) return null;
  return { guard: parseFrame(raw).ok, schema: envelopeSchema.safeParse(value).success };
}

// Envelope-like objects: each field valid, invalid, or absent, so both verdicts occur often.
const json = fc.jsonValue({ maxDepth: 3 });
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1.5, -0));
const meta = fc.oneof(
  json,
  fc.record(
    {
      request_id: fc.oneof(fc.string(), json),
      timestamp: fc.oneof(fc.constant('2025-08-04T12:00:00Z'), fc.string(), json),
      retry_after_ms: fc.oneof(number, json),
      extra: json,
    },
    { requiredKeys: [] },
  ),
);
const errorData = fc.record(
  { code: fc.oneof(number, fc.string(), json), message: fc.oneof(fc.string(), json), extra: json },
  { requiredKeys: [] },
);
const envelopeLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('error', 'chat', 'pong', ''), fc.string(), json),
    data: fc.oneof(errorData, json),
    meta,
    other: json,
  },
  { requiredKeys: [] },
);

describe('parseFrame (hand guard) and envelopeSchema (zod/mini) agree on accept/reject', () => {
  it('agrees on arbitrary envelope-like objects, and the generator yields both verdicts', () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(envelopeLike, (object) => {
        const result = verdicts(JSON.stringify(object));
        if (result === null) return;
        expect(result.guard).toBe(result.schema);
        seen[result.guard ? 'accepted' : 'rejected'] += 1;
      }),
      { numRuns: 3000 },
    );
    expect(seen.accepted).toBeGreaterThan(100);
    expect(seen.rejected).toBeGreaterThan(100);
  });

  it('agrees on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = verdicts(JSON.stringify(value));
        if (result !== null) expect(result.guard).toBe(result.schema);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '{"type":"t","meta":{"retry_after_ms":1e999}}',
    '{"type":"error","data":{"code":1e999,"message":"m"}}',
    '{"type":"error","data":{"code":-1e999,"message":"m"}}',
    '{"type":"t","meta":{"retry_after_ms":-0}}',
    '{"type":"error","data":{"code":4001,"message":"m","x":[1]}}',
    '{"type":"error"}',
    '{"type":"t","meta":null}',
  ])('agrees on the edge case %s (infinities from JSON text, -0, extras)', (raw) => {
    const result = verdicts(raw);
    expect(result).not.toBeNull();
    expect(result?.guard).toBe(result?.schema);
  });
});

describe('the zod/mini schemas read as the wire format', () => {
  it('errorEnvelopeSchema accepts an error envelope and keeps its extra fields', () => {
    const value = { type: 'error', data: { code: 4005, message: 'slow down', x: 1 } };
    expect(errorEnvelopeSchema.parse(value)).toEqual(value);
  });

  it('envelopeMetaSchema refuses a negative retry_after_ms and keeps unknown keys', () => {
    expect(envelopeMetaSchema.safeParse({ retry_after_ms: -1 }).success).toBe(false);
    expect(envelopeMetaSchema.parse({ request_id: 'r', trace: 't' })).toEqual({
      request_id: 'r',
      trace: 't',
    });
  });
});
