import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ParseResult, parseFrame } from './envelope.js';

/** The contract for any input: a result, never a throw; a rejection has a known code and a short cause. */
function expectWellFormed(result: ParseResult) {
  if (result.ok) {
    expect(typeof result.envelope.type).toBe('string');
    expect(result.envelope.type).not.toBe('');
  } else {
    expect(['invalid_frame', 'invalid_envelope']).toContain(result.code);
    expect(typeof result.cause).toBe('string');
    expect(result.cause.length).toBeLessThanOrEqual(120);
  }
}

const expectPrototypeClean = () => {
  expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
};

describe('parseFrame on arbitrary input never throws and always returns ok or a fault', () => {
  it('holds for arbitrary strings (ASCII and full unicode graphemes)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })), (raw) => {
        expectWellFormed(parseFrame(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('holds for arbitrary JSON texts, including unicode ones', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.json({ stringUnit: 'grapheme' })), (raw) => {
        expectWellFormed(parseFrame(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('holds for arbitrary values of any type (objects, arrays, symbols, prototype-less objects)', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true }),
        (raw) => {
          expectWellFormed(parseFrame(raw));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('holds for byte-like input, raw and decoded as Latin-1 or UTF-8 text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expectWellFormed(parseFrame(bytes));
        expectWellFormed(parseFrame(bytes.buffer));
        expectWellFormed(parseFrame(String.fromCharCode(...bytes)));
        expectWellFormed(parseFrame(new TextDecoder().decode(bytes)));
      }),
      { numRuns: 1000 },
    );
  });

  it('holds for JSON texts wrapped as envelopes at random depths and sizes', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(120), fc.nat(200), (json, depth, max) => {
        const raw = `{"type":"t","data":${'['.repeat(depth)}${json}${']'.repeat(depth)}}`;
        expectWellFormed(parseFrame(raw, { maxDepth: 1 + (depth % 70), maxFrameChars: max * 10 }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseFrame never lets a frame mutate Object.prototype', () => {
  it('leaves a canary unset after "__proto__" variants, and refuses each one', () => {
    const payload = '{"polluted":1}';
    const variants = [
      `{"__proto__":${payload}}`,
      `{"type":"t","__proto__":${payload}}`,
      `{"type":"t","data":{"__proto__":${payload}}}`,
      `{"type":"t","data":[{"__proto__":${payload}}]}`,
      `{"type":"t","meta":{"__proto__":${payload}}}`,
      `{"type":"t","data":{"\\u005f\\u005fproto\\u005f\\u005f":${payload}}}`,
      `{"type":"t","data":{"constructor":{"prototype":${payload}},"__proto__":${payload}}}`,
    ];
    for (const raw of variants) {
      expect(parseFrame(raw).ok, raw).toBe(false);
      expectPrototypeClean();
    }
  });

  it('leaves a canary unset for random objects with "__proto__" keys at random places', () => {
    const withProto = fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 4 }))
      .map(([value, path]) => {
        let node: unknown = JSON.parse(`{"__proto__":{"polluted":${JSON.stringify(value)}}}`);
        for (const key of path) node = { [key]: node };
        return JSON.stringify({ type: 't', data: node });
      });
    fc.assert(
      fc.property(withProto, (raw) => {
        expect(parseFrame(raw)).toMatchObject({ ok: false, code: 'invalid_envelope' });
        expectPrototypeClean();
      }),
      { numRuns: 500 },
    );
  });
});
