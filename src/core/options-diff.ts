/**
 * Which options two components asking for one shared socket disagree on. Compared by value, not
 * identity: options are usually written inline, so every render makes new objects and arrow
 * functions. Functions compare by their source text, URLs by `href` (so a URL equals its string),
 * plain objects and arrays key by key (a few levels deep), anything else (a window) by identity.
 */

const MAX_DEPTH = 4;

const isUrl = (value: object): value is URL => typeof URL !== 'undefined' && value instanceof URL;

function isPlain(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/** A URL as its `href`, to compare it with another URL or with the same address as a string. */
const hrefOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && isUrl(value) ? value.href : value;

function same(x: unknown, y: unknown, depth: number): boolean {
  const a = hrefOf(x);
  const b = hrefOf(y);
  if (Object.is(a, b)) return true;
  if (typeof a === 'function' && typeof b === 'function') return String(a) === String(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth === 0 || !isPlain(a) || !isPlain(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (!same(a[key], b[key], depth - 1)) return false;
  return true;
}

/** Names of the top-level options whose values differ, except those in `ignore`. */
export function differingOptions(
  held: object,
  asked: object,
  ignore: readonly string[] = [],
): string[] {
  const a = held as Record<string, unknown>;
  const b = asked as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => !ignore.includes(key) && !same(a[key], b[key], MAX_DEPTH));
}
