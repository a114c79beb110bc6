/**
 * The one option checker of sockguard (the client, its error store; `sockguard/server` next). Pure.
 *
 * Checks run in development builds (and wherever nothing replaced `process.env.NODE_ENV`): a
 * nonsense value or a misspelt key throws at construction instead of making a socket that retries
 * oddly (a NaN interval pings in a loop; a delay past 2^31-1 ms fires at once; a typo is silently
 * ignored), in prose: what the option accepts and, for an unknown key, the nearest known one.
 * Production builds skip them (each caller guards its check with the inline form of `core/dev.ts`,
 * so bundlers drop this file) and only apply defaults ({@link withDefaults}). Code that calls
 * {@link refuse} without the guard gets the short form, a stable code, the option and the value
 * (`sockguard: E_OPTION backoff.capMs (got NaN)`; docs/error-store.md explains the codes).
 */
import { nearestName } from './nearest-name.js';

// The development-only form of core/dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** The longest delay `setTimeout` holds: a longer one (or NaN) fires after about 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647; // 2 ** 31 - 1: a literal, so bundlers drop it when unused

/**
 * How one option is checked. `never: true` lets `Infinity` through where it means "never" (or "no
 * bound"); `max` lowers the bound of a number (the defaults: {@link MAX_TIMER_MS} for `ms`,
 * `Number.MAX_SAFE_INTEGER` for `count`, none for `number`).
 */
export type Rule =
  /** Milliseconds a timer can hold: a number from `min` to `max`. */
  | {
      readonly kind: 'ms';
      readonly min: number;
      readonly max?: number;
      readonly never?: boolean;
    }
  /** An integer from `min` to `max`. */
  | {
      readonly kind: 'count';
      readonly min: number;
      readonly max?: number;
      readonly never?: boolean;
    }
  /** A finite number from `min`; `nullable`: null too. */
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly never?: boolean;
      readonly nullable?: boolean;
    }
  /** A non-empty string. */
  | { readonly kind: 'text' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'function' }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  /** An AbortSignal, or an object that acts as one (`aborted` and the two listener methods). */
  | { readonly kind: 'signal' }
  /** A Standard Schema: an object (or function, as arktype's) with `~standard.validate`. */
  | { readonly kind: 'schema' }
  /** A URL: a string, a `URL`, or a function that makes one. */
  | { readonly kind: 'url' }
  /** Subprotocols: a string, an array, a function, or null (none). */
  | { readonly kind: 'protocols' }
  /** A nested options object, checked by its own rules. */
  | { readonly kind: 'object'; readonly rules: Rules }
  /** Checked elsewhere (a union of forms, a plugin, an injected object). */
  | { readonly kind: 'other' };

/** The rule of every option an options object may hold. */
export type Rules = Readonly<Record<string, Rule>>;

// Rules many options share: one object each in a bundle, however many tables name them.
/** Checked elsewhere. */
export const OTHER: Rule = { kind: 'other' };
/** A callback or a constructor. */
export const FUNCTION: Rule = { kind: 'function' };
/** true or false. */
export const BOOLEAN: Rule = { kind: 'boolean' };
/** A non-empty string. */
export const TEXT: Rule = { kind: 'text' };
/** A delay or a window that may be 0. */
export const MS_0: Rule = { kind: 'ms', min: 0 };
/** A timeout or an interval: at least 1 ms. */
export const MS_1: Rule = { kind: 'ms', min: 1 };
/** An integer >= 1. */
export const COUNT_1: Rule = { kind: 'count', min: 1 };

/**
 * The production codes, one per kind of refusal (docs/error-store.md lists them):
 * `E_OPTION` (RangeError) a value the option does not accept; `E_OPTIONS` (TypeError) options
 * that are not an object; `E_UNKNOWN_OPTION` (TypeError) a key that no option has.
 */
export type OptionCode = 'E_OPTION' | 'E_OPTIONS' | 'E_UNKNOWN_OPTION';

const isFunction = (value: unknown): boolean => typeof value === 'function';
const isString = (value: unknown): boolean => typeof value === 'string';

const show = (value: unknown): string =>
  isString(value) ? JSON.stringify(value) : isFunction(value) ? 'a function' : String(value);

/** Reads properties of anything: a primitive reads its wrapper's; null and undefined have none. */
type Fields = Record<string, unknown> | null | undefined;

type RangeRule = { readonly min: number; readonly max?: number; readonly never?: boolean };

/** A number from `rule.min` to `rule.max` (default `max`), an integer if `integer`; Infinity when `never`. */
const inRange = (value: unknown, rule: RangeRule, max: number, integer?: boolean): boolean =>
  (value === Infinity && rule.never === true) ||
  (typeof value === 'number' &&
    value >= rule.min &&
    value <= (rule.max ?? max) &&
    (!integer || Number.isInteger(value)));

/** Each kind's test. A nested object is checked key by key (it throws what it finds). */
const TESTS: {
  readonly [K in Rule['kind']]: (
    value: unknown,
    rule: Extract<Rule, { kind: K }>,
    option: string,
  ) => boolean;
} = {
  // No call at the top level: a bundle whose checks are all development-only drops the table.
  ms: (value, rule) => inRange(value, rule, MAX_TIMER_MS),
  count: (value, rule) => inRange(value, rule, 2 ** 53 - 1, true),
  number: (value, rule) =>
    value === null ? !!rule.nullable : inRange(value, rule, Number.MAX_VALUE),
  text: (value) => isString(value) && value !== '',
  boolean: (value) => typeof value === 'boolean',
  function: isFunction,
  oneOf: (value, rule) => rule.values.includes(value as string),
  signal: (value) =>
    typeof (value as Fields)?.aborted === 'boolean' &&
    isFunction((value as Fields)?.addEventListener) &&
    isFunction((value as Fields)?.removeEventListener),
  schema: (value) => isFunction(((value as Fields)?.['~standard'] as Fields)?.validate),
  url: (value) => isString(value) || isFunction(value) || value instanceof URL,
  protocols: (value) =>
    value == null || isString(value) || isFunction(value) || Array.isArray(value),
  object: (value, rule, option) => {
    checkGiven(option, value, rule.rules);
    return true;
  },
  other: () => true,
};

/**
 * Throws the error of a refused option: `sockguard: E_OPTION backoff.capMs (got NaN)` in
 * production, the prose of {@link explain} in development. `about` is the option's rule, or the
 * rules of the options object (for an unknown key, or options that are not an object).
 */
export function refuse(
  code: OptionCode,
  option: string,
  value: unknown,
  about: Rule | Rules,
): never {
  let message = `sockguard: ${code} ${option} (got ${show(value)})`;
  try {
    if (process.env.NODE_ENV !== 'production') message = explain(code, option, value, about);
  } catch {
    message = explain(code, option, value, about); // no `process`: development
  }
  throw new (code === 'E_OPTION' ? RangeError : TypeError)(message);
}

/**
 * Throws a RangeError naming `option` and its value unless `value` meets `rule` (a nested object:
 * its keys and values, as {@link checkGiven}).
 */
export function checkValue(option: string, value: unknown, rule: Rule): void {
  const test = TESTS[rule.kind] as (value: unknown, rule: Rule, option: string) => boolean;
  if (!test(value, rule, option)) refuse('E_OPTION', option, value, rule);
}

/**
 * Checks the keys and the given values of an options object without filling in defaults (the
 * caller applies them where it uses them): not an object, an unknown key or a value out of its
 * rule throws. `undefined` passes, and so does a key given as `undefined`. `scope` prefixes the
 * names in errors (`heartbeat.intervalMs`); '' for top-level options.
 */
export function checkGiven(scope: string, options: unknown, rules: Rules): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    refuse('E_OPTIONS', scope || 'options', options, rules);
  }
  for (const [key, value] of Object.entries(options)) {
    const option = scope ? `${scope}.${key}` : key;
    if (!Object.hasOwn(rules, key)) refuse('E_UNKNOWN_OPTION', option, value, rules);
    if (value !== undefined) checkValue(option, value, rules[key] as Rule);
  }
}

/**
 * `defaults` with the values given (a key given as `undefined` takes its default: spreading it
 * would turn an interval into NaN). What every build does with options; checking them is
 * development's ({@link checkGiven}, behind the guard of `core/dev.ts`).
 */
export function withDefaults<D extends object>(options: object | undefined, defaults: D): D {
  const resolved = { ...defaults };
  for (const key in defaults) {
    resolved[key] = (options as Partial<D> | undefined)?.[key] ?? defaults[key];
  }
  return resolved;
}

/** Checks `options` as {@link checkGiven} does and returns them over `defaults`. */
export function checkOptions<D extends object>(
  scope: string,
  options: object | undefined,
  rules: Rules,
  defaults: D,
): D {
  checkGiven(scope, options, rules);
  return withDefaults(options, defaults);
}

/** The development text of a refusal: what was wrong, what is accepted, the nearest known key. */
function explain(code: OptionCode, option: string, value: unknown, about: Rule | Rules): string {
  if (code === 'E_UNKNOWN_OPTION') {
    const known = Object.keys(about);
    const key = option.slice(option.lastIndexOf('.') + 1);
    return `sockguard: unknown option ${option}. Did you mean ${nearestName(key, known)}? Known: ${known.join(', ')}`;
  }
  if (code === 'E_OPTIONS') {
    return option === 'options'
      ? 'sockguard: createSocket needs an options object with at least { url }'
      : `sockguard: ${option} must be an object; got ${show(value)}`;
  }
  const rule = about as Rule;
  if (rule.kind === 'url' && value === undefined) {
    return 'sockguard: the url option is required (a string, a URL, or a function)';
  }
  return `sockguard: ${option} must be ${accepts(rule)}; got ${show(value)}`;
}

/** What a rule accepts, in words: "a number from 1 to 2147483647 (milliseconds)". */
function accepts(rule: Rule): string {
  switch (rule.kind) {
    case 'ms':
    case 'count': {
      const what = rule.kind === 'count' ? 'an integer' : 'a number';
      const max = rule.max ?? (rule.kind === 'ms' ? MAX_TIMER_MS : 2 ** 53 - 1);
      const unit = rule.kind === 'ms' ? ' (milliseconds)' : '';
      const range = `${what} from ${rule.min} to ${max}${unit}`;
      return rule.never ? `${range}, or Infinity for never` : range;
    }
    case 'number':
      return `a finite number >= ${rule.min}${rule.never ? ', or Infinity' : ''}${rule.nullable ? ', or null' : ''}`;
    case 'text':
      return 'a non-empty string';
    case 'boolean':
      return 'true or false';
    case 'function':
      return 'a function';
    case 'oneOf':
      return `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'signal':
      return 'an AbortSignal';
    case 'schema':
      return 'a Standard Schema (with ~standard.validate)';
    case 'url':
      return 'a string, a URL or a function';
    case 'protocols':
      return 'a string, an array of strings or a function';
    case 'object':
      return 'an object';
    case 'other':
      return 'valid';
  }
}
