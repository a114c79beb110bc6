/**
 * Construction-time checks of the session layer's options: a wrong value or a misspelt key throws
 * an error naming the option and what it accepts, instead of a layer that acks late or never
 * forgets a session. Its own rules: `sockguard/server` depends on the protocol only, not core; the
 * "did you mean" is the protocol's.
 */

import { nearestName } from '../../protocol/nearest-name.js';

/** The longest delay `setTimeout` holds: a longer one fires after about 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How one option is checked. */
export type OptionRule =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly unit?: string }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'function' }
  /** A string of at most `max` characters. */
  | { readonly kind: 'string'; readonly max: number }
  /** An object with these methods (a history store). */
  | { readonly kind: 'methods'; readonly names: readonly string[] };

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
};

/** What `rule` accepts, in words, or null when `value` passes. */
function refusal(rule: OptionRule, value: unknown): string | null {
  switch (rule.kind) {
    case 'integer': {
      const ok =
        typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= rule.min &&
        value <= rule.max;
      return ok ? null : `an integer from ${rule.min} to ${rule.max}${rule.unit ?? ''}`;
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : 'true or false';
    case 'function':
      return typeof value === 'function' ? null : 'a function';
    case 'string':
      return typeof value === 'string' && value.length <= rule.max
        ? null
        : `a string of at most ${rule.max} characters`;
    case 'methods': {
      const ok =
        typeof value === 'object' &&
        value !== null &&
        rule.names.every((name) => typeof Reflect.get(value, name) === 'function');
      return ok ? null : `an object with the methods ${rule.names.join(', ')}`;
    }
  }
}

/**
 * Checks `options` against `rules`: not an object, an unknown key (the nearest known one named), a
 * missing required key or a value out of its rule throws. A key given as `undefined` is absent.
 */
export function checkOptions(
  scope: string,
  options: unknown,
  rules: Readonly<Record<string, OptionRule>>,
  required: readonly string[] = [],
): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${scope}: options must be an object; got ${show(options)}`);
  }
  const known = Object.keys(rules);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `${scope}: unknown option ${key}. Did you mean ${nearestName(key, known)}? Known: ${known.join(', ')}`,
      );
    }
  }
  for (const key of known) {
    const value: unknown = Reflect.get(options, key);
    if (value === undefined) {
      if (required.includes(key)) {
        throw new TypeError(
          `${scope}: ${key} is required (${refusal(rules[key] as OptionRule, undefined)})`,
        );
      }
      continue;
    }
    const accepted = refusal(rules[key] as OptionRule, value);
    if (accepted !== null) {
      throw new RangeError(`${scope}: ${key} must be ${accepted}; got ${show(value)}`);
    }
  }
}
