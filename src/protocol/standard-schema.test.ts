import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { type StandardSchemaV1, validateData } from './standard-schema.js';

const classic = {
  chat: z.object({ text: z.string(), room: z.string().optional() }),
  count: z.string().transform((s) => s.length),
  async: z.string().refine(async () => true),
};
const mini = {
  chat: zm.object({ text: zm.string(), room: zm.optional(zm.string()) }),
  count: zm.pipe(
    zm.string(),
    zm.transform((s: string) => s.length),
  ),
  async: zm.string().check(zm.refine(async () => true)),
};

describe.each([
  ['zod classic', classic],
  ['zod/mini', mini],
])('validateData with %s schemas', (_, schemas) => {
  it('returns ok with the data when it matches', () => {
    expect(validateData(schemas.chat, { text: 'hi' })).toEqual({ ok: true, data: { text: 'hi' } });
  });

  it("returns the schema's output (transform applied), not its input", () => {
    expect(validateData(schemas.count, 'hello')).toEqual({ ok: true, data: 5 });
  });

  it('fails with a cause naming the path and the issue', () => {
    const result = validateData(schemas.chat, { text: 1 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.cause).toMatch(/^text: .*string/i);
  });

  it('summarises at most three issues and counts the rest', () => {
    const wide = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string() });
    const result = validateData(wide, {});
    expect(!result.ok && result.cause).toMatch(/^a: .*; b: .*; c: .* \(\+1 more\)$/);
  });

  it('fails, without throwing, for an async schema (a frame handler cannot wait)', () => {
    expect(validateData(schemas.async, 'x')).toEqual({
      ok: false,
      cause: 'async schema: data schemas must validate synchronously',
    });
  });
});

/** A hand-made Standard Schema, to reach what real libraries never do. */
const fake = (validate: (value: unknown) => unknown): StandardSchemaV1 => ({
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: validate as StandardSchemaV1['~standard']['validate'],
  },
});

describe('validateData on misbehaving validators never throws', () => {
  it('turns a throwing validator into a failure with its message', () => {
    const result = validateData(
      fake(() => {
        throw new Error('boom');
      }),
      1,
    );
    expect(result).toEqual({ ok: false, cause: 'schema threw: boom' });
  });

  it('turns a rejecting async validator into a failure and handles the rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const result = validateData(
      fake(() => Promise.reject(new Error('late'))),
      1,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off('unhandledRejection', onUnhandled);
    expect(result.ok).toBe(false);
    expect(unhandled).toEqual([]);
  });

  it.each([
    ['no result', () => undefined, 'schema returned no result'],
    ['issues that are not an array', () => ({ issues: 'bad' }), 'invalid data'],
    ['malformed issue entries', () => ({ issues: [null] }), 'invalid data'],
    ['an empty issue list', () => ({ issues: [] }), 'invalid data'],
  ])('fails on %s', (_, validate, cause) => {
    expect(validateData(fake(validate), 1)).toEqual({ ok: false, cause });
  });

  it('caps a long cause at 200 characters', () => {
    const result = validateData(
      fake(() => ({ issues: [{ message: 'x'.repeat(5000) }] })),
      1,
    );
    expect(!result.ok && result.cause.length).toBe(200);
  });

  it('joins path segments given as keys or as { key } objects', () => {
    const result = validateData(
      fake(() => ({ issues: [{ message: 'bad', path: ['a', { key: 0 }, Symbol.for('s')] }] })),
      1,
    );
    expect(result).toEqual({ ok: false, cause: 'a.0.Symbol(s): bad' });
  });
});
