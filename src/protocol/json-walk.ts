/**
 * The two checks of `parseFrame` that need to look inside a parsed frame: nesting depth and
 * `__proto__` keys. Kept apart from the envelope rules, which read only the top level.
 */

type Json = Record<string, unknown>;

/**
 * True when `raw` holds more than `limit` `{` or `[` characters. Depth can never exceed that
 * count, so most frames skip the walk; `indexOf` is far cheaper than a character loop.
 */
export function hasMoreOpeners(raw: string, limit: number): boolean {
  let count = 0;
  for (const opener of OPENERS) {
    for (let at = raw.indexOf(opener); at !== -1; at = raw.indexOf(opener, at + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

const OPENERS = ['{', '['] as const;

/**
 * Iterative walk (a recursive one would overflow the stack on the input it guards against):
 * the first problem found, or undefined. `__proto__` keys are checked with `hasOwn`, O(1).
 */
export function walk(root: unknown, maxDepth: number, checkDepth: boolean, checkProto: boolean) {
  const stack: unknown[] = [root];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const value = stack.pop();
    const depth = depths.pop() ?? 1;
    if (typeof value !== 'object' || value === null) continue;
    if (checkDepth && depth > maxDepth) return `nested deeper than ${maxDepth}`;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'object' && item !== null) {
          stack.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    if (checkProto && Object.hasOwn(value, '__proto__')) return 'forbidden key "__proto__"';
    for (const key of Object.keys(value)) {
      const item = (value as Json)[key];
      if (typeof item === 'object' && item !== null) {
        stack.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}
