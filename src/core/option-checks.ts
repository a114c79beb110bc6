/**
 * Option checks run once, at construction: a nonsense value or a misspelt key is an error naming
 * the option, the value and what is accepted, instead of a socket that retries oddly (a NaN
 * interval pings in a loop; a delay past 2^31-1 ms fires at once; a typo is silently ignored).
 */
import { nearestName } from '../protocol/nearest-name.js';
import { MAX_DELAY_MS } from './clock.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** How one option is checked. `never: true` lets `Infinity` through where it means "never". */
export type Rule =
  | { readonly kind: 'ms'; readonly min: number; readonly never?: boolean }
  | { readonly kind: 'count'; readonly min: number; readonly never?: boolean }
  | { readonly kind: 'number'; readonly min: number }
  | { readonly kind: 'text' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'function' }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  /** An AbortSignal, or an object that acts as one (`aborted` and the two listener methods). */
  | { readonly kind: 'signal' }
  /** A Standard Schema: an object (or function, as arktype's) with `~standard.validate`. */
  | { readonly kind: 'schema' }
  /** Checked elsewhere (a nested object, a union of forms). */
  | { readonly kind: 'other' };

/** The value's property `key` (own or inherited, as AbortSignal's getters), or undefined. */
const field = (value: unknown, key: string): unknown =>
  (typeof value === 'object' && value !== null) || typeof value === 'function'
    ? (value as Record<string, unknown>)[key]
    : undefined;

const isSignal = (value: unknown): boolean =>
  typeof field(value, 'aborted') === 'boolean' &&
  typeof field(value, 'addEventListener') === 'function' &&
  typeof field(value, 'removeEventListener') === 'function';

const isSchema = (value: unknown): boolean =>
  typeof field(field(value, '~standard'), 'validate') === 'function';

const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : String(value);

/** Whether `value` meets `rule`. */
function passes(rule: Rule, value: unknown): boolean {
  switch (rule.kind) {
    case 'ms':
    case 'count': {
      if (rule.never === true && value === Number.POSITIVE_INFINITY) return true;
      const integer = rule.kind === 'ms' || Number.isInteger(value);
      return typeof value === 'number' && integer && value >= rule.min && value <= maxOf(rule);
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min;
    case 'text':
      return typeof value === 'string' && value !== '';
    case 'boolean':
      return typeof value === 'boolean';
    case 'function':
      return typeof value === 'function';
    case 'oneOf':
      return rule.values.includes(value as string);
    case 'signal':
      return isSignal(value);
    case 'schema':
      return isSchema(value);
    case 'other':
      return true;
  }
}

const maxOf = (rule: { readonly kind: 'ms' | 'count' }): number =>
  rule.kind === 'ms' ? MAX_DELAY_MS : Number.MAX_SAFE_INTEGER;

/**
 * What a rule accepts, in words: " must be a number from 1 to 2147483647 (milliseconds)".
 * Development only (production errors name the option and the value), so the prose stays out of
 * production bundles.
 */
function mustBe(rule: Rule): string {
  let accepted: string;
  switch (rule.kind) {
    case 'ms':
    case 'count': {
      const kind = rule.kind === 'count' ? 'an integer' : 'a number';
      const unit = rule.kind === 'ms' ? ' (milliseconds)' : '';
      const range = `${kind} from ${rule.min} to ${maxOf(rule)}${unit}`;
      accepted = rule.never ? `${range}, or Infinity for never` : range;
      break;
    }
    case 'number':
      accepted = `a finite number >= ${rule.min}`;
      break;
    case 'text':
      accepted = 'a non-empty string';
      break;
    case 'boolean':
      accepted = 'true or false';
      break;
    case 'function':
      accepted = 'a function';
      break;
    case 'oneOf':
      accepted = `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'signal':
      accepted = 'an AbortSignal';
      break;
    case 'schema':
      accepted = 'a Standard Schema (with ~standard.validate)';
      break;
    case 'other':
      accepted = 'valid';
      break;
  }
  return ` must be ${accepted}`;
}

/** " Did you mean …?": development only, so the edit distance stays out of production bundles. */
const didYouMean = (key: string, known: readonly string[]): string =>
  ` Did you mean ${nearestName(key, known)}?`;

/**
 * Throws when `options` has a key that `known` does not list, naming it and the known keys, and
 * in development the nearest known key.
 */
export function rejectUnknownKeys(scope: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const where = scope === '' ? key : `${scope}.${key}`;
    let hint = '';
    try {
      if (process.env.NODE_ENV !== 'production') hint = didYouMean(key, known);
    } catch {
      hint = didYouMean(key, known);
    }
    throw new TypeError(`sockguard: unknown option ${where}.${hint} Known: ${known.join(', ')}`);
  }
}

/**
 * Throws a RangeError naming `name` and its value, and in development what is accepted, unless
 * `value` passes.
 */
export function checkValue(name: string, value: unknown, rule: Rule): void {
  if (passes(rule, value)) return;
  let must = ' is invalid';
  try {
    if (process.env.NODE_ENV !== 'production') must = mustBe(rule);
  } catch {
    must = mustBe(rule);
  }
  throw new RangeError(`sockguard: ${name}${must}; got ${show(value)}`);
}

/**
 * Checks every key of `options` against its rule and returns them over `defaults`. A key given as
 * `undefined` takes its default; a key without a rule is refused as unknown.
 */
export function checkOptions<T extends object, D extends Required<T>>(
  scope: string,
  options: T,
  rules: Readonly<Record<keyof T & string, Rule>>,
  defaults: D,
): D {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`sockguard: ${scope} must be an object; got ${show(options)}`);
  }
  rejectUnknownKeys(scope, options, Object.keys(rules));
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    checkValue(`${scope}.${key}`, value, rules[key as keyof T & string]);
    resolved[key] = value;
  }
  return resolved as D;
}

/**
 * Checks the keys and the given values of an options object without filling in defaults (the
 * caller applies them where it uses them): not an object, an unknown key (the nearest known one
 * named) or a value out of its rule's range throws. `undefined` passes, and so does a key given as
 * `undefined`.
 */
export function checkGiven(
  scope: string,
  options: unknown,
  rules: Readonly<Record<string, Rule>>,
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`sockguard: ${scope} must be an object; got ${show(options)}`);
  }
  rejectUnknownKeys(scope, options, Object.keys(rules));
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) checkValue(`${scope}.${key}`, value, rules[key] as Rule);
  }
}
