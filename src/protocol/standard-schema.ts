/**
 * Per-type `data` schemas through Standard Schema V1 (https://standardschema.dev): zod 4 (classic
 * and mini), valibot and arktype all implement it, so sockguard validates user schemas without
 * importing any schema library at run time. The interface is copied, as the spec recommends.
 */

import { clip } from './clip.js';
import { why } from './why.js';

/** The Standard Schema V1 interface (copied from the spec, types only). */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
}

/** The output type of a schema (after its transforms): what handlers receive as `data`. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['output'];

/**
 * The input type of a schema (before its transforms): what `send` and `request` take as `data`.
 * A schema that declares no types accepts `unknown`.
 */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];

/** Schemas by message type, e.g. `{ chat: z.object({ text: z.string() }) }`. */
export type DataSchemas = Readonly<Record<string, StandardSchemaV1>>;

/** The message map inferred from {@link DataSchemas}: type name to `data` output type. */
export type MessagesOf<S extends DataSchemas> = {
  [K in keyof S & string]: InferOutput<S[K]>;
};

/** The input map of {@link DataSchemas}: type name to the `data` a sender gives (before transforms). */
export type InputsOf<S extends DataSchemas> = {
  [K in keyof S & string]: InferInput<S[K]>;
};

/** What {@link validateData} made of `data`: the schema's output, or a short cause. */
export type DataCheck =
  | { readonly ok: true; readonly data: unknown }
  | { readonly ok: false; readonly cause: string };

const MAX_CAUSE_CHARS = 200;
const MAX_ISSUES = 3;

const cap = (text: string) => clip(text, MAX_CAUSE_CHARS);

function pathOf(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return '';
  const keys = issue.path.map((segment) =>
    String(typeof segment === 'object' && segment !== null ? segment.key : segment),
  );
  return `${keys.join('.')}: `;
}

function summarise(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  if (issues.length === 0) return why('invalid_data');
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => `${pathOf(issue)}${issue.message}`);
  const more = issues.length > MAX_ISSUES ? ` (+${issues.length - MAX_ISSUES} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/** A foreign validator may hand back malformed issues; a summary must not throw on them. */
function safeSummary(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  try {
    return summarise(issues);
  } catch {
    return why('invalid_data');
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs a schema on `data`. Never throws: a throwing validator, an async one (a frame handler
 * cannot wait, and order would break) and a result without `value` or `issues` are all failures
 * with a cause. On success `data` is the schema's OUTPUT (transforms applied).
 */
export function validateData(schema: StandardSchemaV1, data: unknown): DataCheck {
  let result: unknown;
  try {
    result = schema['~standard'].validate(data);
  } catch (error) {
    return {
      ok: false,
      cause: cap(why('schema_threw', error instanceof Error ? error.message : '')),
    };
  }
  if (isThenable(result)) {
    // Swallow its eventual rejection: nobody awaits it, and an unhandled rejection would be noise.
    Promise.resolve(result).catch(() => undefined);
    return { ok: false, cause: why('async_schema') };
  }
  if (typeof result !== 'object' || result === null) {
    return { ok: false, cause: why('no_result') };
  }
  const { issues } = result as { issues?: unknown };
  if (issues !== undefined) {
    return {
      ok: false,
      cause: cap(Array.isArray(issues) ? safeSummary(issues) : why('invalid_data')),
    };
  }
  return { ok: true, data: (result as { value?: unknown }).value };
}
