/**
 * Option checks run once, at construction: a nonsense value or a misspelt key is an error naming
 * the option, the value and what is accepted, instead of a socket that retries oddly (a NaN
 * interval pings in a loop; a delay past 2^31-1 ms fires at once; a typo is silently ignored).
 */
import { nearestName } from '../protocol/nearest-name.js';
import { MAX_DELAY_MS } from './clock.js';

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

/** What a rule accepts, in words, or null when `value` passes. */
function refusal(rule: Rule, value: unknown): string | null {
  switch (rule.kind) {
    case 'ms':
    case 'count': {
      const never = rule.never === true && value === Number.POSITIVE_INFINITY;
      const unit = rule.kind === 'ms' ? ' (milliseconds)' : '';
      const integer = rule.kind === 'ms' || Number.isInteger(value);
      const max = rule.kind === 'ms' ? MAX_DELAY_MS : Number.MAX_SAFE_INTEGER;
      if (never || (typeof value === 'number' && integer && value >= rule.min && value <= max)) {
        return null;
      }
      const kind = rule.kind === 'count' ? 'an integer' : 'a number';
      const range = `${kind} from ${rule.min} to ${max}${unit}`;
      return rule.never ? `${range}, or Infinity for never` : range;
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min
        ? null
        : `a finite number >= ${rule.min}`;
    case 'text':
      return typeof value === 'string' && value !== '' ? null : 'a non-empty string';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'true or false';
    case 'function':
      return typeof value === 'function' ? null : 'a function';
    case 'oneOf':
      return rule.values.includes(value as string)
        ? null
        : `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'signal':
      return isSignal(value) ? null : 'an AbortSignal';
    case 'schema':
      return isSchema(value) ? null : 'a Standard Schema (with ~standard.validate)';
    case 'other':
      return null;
  }
}

/** Throws when `options` has a key that `known` does not list, naming the nearest known key. */
export function rejectUnknownKeys(scope: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const where = scope === '' ? key : `${scope}.${key}`;
    throw new TypeError(
      `sockguard: unknown option ${where}. Did you mean ${nearestName(key, known)}? Known: ${known.join(', ')}`,
    );
  }
}

/** Throws a RangeError naming `name`, its value and what is accepted, unless `value` passes. */
export function checkValue(name: string, value: unknown, rule: Rule): void {
  const accepted = refusal(rule, value);
  if (accepted !== null) {
    throw new RangeError(`sockguard: ${name} must be ${accepted}; got ${show(value)}`);
  }
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
