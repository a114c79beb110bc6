import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import type {
  InferInput,
  InferOutput,
  InputsOf,
  MessagesOf,
  StandardSchemaV1,
} from './standard-schema.js';

describe('Standard Schema types', () => {
  it('accepts zod classic and zod/mini schemas as StandardSchemaV1', () => {
    expectTypeOf(z.string()).toExtend<StandardSchemaV1>();
    expectTypeOf(zm.string()).toExtend<StandardSchemaV1>();
  });

  it('infers the output type, after transforms', () => {
    const count = z.string().transform((s) => s.length);
    expectTypeOf<InferOutput<typeof count>>().toEqualTypeOf<number>();
  });

  it('infers MessagesOf { chat: { text: string } } from a zod schema map', () => {
    const schemas = { chat: z.object({ text: z.string() }) };
    expectTypeOf<MessagesOf<typeof schemas>>().toEqualTypeOf<{ chat: { text: string } }>();
    const miniSchemas = { chat: zm.object({ text: zm.string() }) };
    expectTypeOf<MessagesOf<typeof miniSchemas>>().toEqualTypeOf<{ chat: { text: string } }>();
  });
});

describe('input types', () => {
  it('infers the input type, before transforms', () => {
    const count = z.string().transform((s) => s.length);
    expectTypeOf<InferInput<typeof count>>().toEqualTypeOf<string>();
    expectTypeOf<InputsOf<{ count: typeof count }>>().toEqualTypeOf<{ count: string }>();
  });
});
