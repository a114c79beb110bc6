/**
 * The two checks of `parseFrame` that look inside a frame beyond its top level: nesting depth,
 * read from the TEXT before `JSON.parse` runs (a linear scan, so a frame nested 400,000 deep is
 * refused after reading `maxDepth` brackets instead of being built first), and `__proto__` keys,
 * read from the parsed value (JSON.parse decodes `\u`-escaped keys, a text scan would have to too).
 */

type Json = Record<string, unknown>;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * How many `{` and `[` characters `raw` holds, strings included, or Infinity past `cap` (the count
 * is then not known). Depth can never exceed that count, so most frames skip the depth scan, and
 * it bounds what is left of the frame as the scan reads it. `indexOf` is far cheaper than a
 * character loop.
 */
export function countOpeners(raw: string, cap: number): number {
  let count = 0;
  for (const opener of OPENERS) {
    for (let at = raw.indexOf(opener); at !== -1; at = raw.indexOf(opener, at + 1)) {
      if (++count > cap) return Infinity;
    }
  }
  return count;
}

const OPENERS = ['{', '['] as const;

/**
 * True when the JSON text `raw` nests objects and arrays deeper than `maxDepth` (the top-level
 * value is depth 1). One pass over the text, brackets inside strings skipped; it stops at the first
 * bracket past the limit. `openers`, when known, is how many `{` and `[` the text holds (strings
 * included, so never fewer than the real ones): the scan also stops once the openers left could
 * not take it past the limit (a long list of small objects is decided within its first few
 * dozen). For a text that is not JSON the answer does not matter: JSON.parse refuses it right
 * after (an unterminated string reads as not too deep).
 */
export function nestsDeeperThan(raw: string, maxDepth: number, openers = Infinity): boolean {
  let depth = 0;
  let left = openers;
  const length = raw.length;
  for (let at = 0; at < length; at++) {
    const code = raw.charCodeAt(at);
    if (code === QUOTE) {
      at = stringEnd(raw, at);
      if (at < 0) return false;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
      if (depth + --left <= maxDepth) return false;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * The index of the quote closing the string opened at `open`, or -1 when it is not closed. Jumps
 * from quote to quote with `indexOf`; a quote preceded by an odd run of backslashes is escaped.
 * Each backslash is counted once at most (a run ends at the quote before it), so this stays linear.
 */
function stringEnd(raw: string, open: number): number {
  let quote = raw.indexOf('"', open + 1);
  while (quote !== -1) {
    let slashes = 0;
    while (raw.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) return quote;
    quote = raw.indexOf('"', quote + 1);
  }
  return -1;
}

/**
 * True when a parsed JSON value holds a `__proto__` own key anywhere. Iterative (a recursive walk
 * would overflow on deep input; depth is already bounded by the scan, but this must not rely on it).
 * `hasOwn` is O(1) per object.
 */
export function hasProtoKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    if (Object.hasOwn(value, '__proto__')) return true;
    for (const key of Object.keys(value)) {
      const item = (value as Json)[key];
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return false;
}
