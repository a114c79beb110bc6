import { describe, expect, it } from 'vitest';
import { parseFrame } from './envelope.js';

describe('parseFrame refuses any "__proto__" key (prototype pollution guard)', () => {
  it.each([
    ['at the top level', '{"type":"t","__proto__":{"polluted":1}}'],
    ['inside data', '{"type":"t","data":{"a":{"__proto__":{"polluted":1}}}}'],
    ['inside meta', '{"type":"t","meta":{"__proto__":{"polluted":1}}}'],
    ['inside an array element', '{"type":"t","data":[1,{"__proto__":{"polluted":1}}]}'],
    ['spelled with JSON escapes', '{"type":"t","data":{"\\u005f_pr\\u006fto__":{"polluted":1}}}'],
    ['with a null value', '{"type":"t","data":{"__proto__":null}}'],
  ])('refuses the key %s and leaves Object.prototype untouched', (_, raw) => {
    expect(parseFrame(raw)).toEqual({
      ok: false,
      code: 'invalid_envelope',
      cause: 'forbidden key "__proto__"',
    });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it.each([
    ['a string value "__proto__"', '{"type":"__proto__","data":"__proto__"}'],
    ['a key that only contains __proto__', '{"type":"t","data":{"x__proto__":1,"__proto__x":2}}'],
    ['a non-ASCII escape elsewhere', '{"type":"t","data":"caf\\u00e9"}'],
  ])('accepts %s', (_, raw) => {
    expect(parseFrame(raw).ok).toBe(true);
  });
});
