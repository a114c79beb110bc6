import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateCloseReason } from './reason.js';

const bytes = (text: string) => new TextEncoder().encode(text).length;
const fatal = new TextDecoder('utf-8', { fatal: true });

describe('truncateCloseReason', () => {
  it('keeps a reason that fits', () => {
    expect(truncateCloseReason('token expired')).toBe('token expired');
    expect(truncateCloseReason('a'.repeat(123))).toBe('a'.repeat(123));
  });

  it('cuts at 123 bytes by default', () => {
    expect(truncateCloseReason('a'.repeat(200))).toBe('a'.repeat(123));
  });

  it('never splits a multibyte character: a 3-byte char that would cross the limit is dropped', () => {
    const text = `${'a'.repeat(121)}€b`;
    expect(truncateCloseReason(text)).toBe('a'.repeat(121));
  });

  it('never splits a surrogate pair (4-byte emoji)', () => {
    const text = `${'a'.repeat(120)}😀😀`;
    expect(truncateCloseReason(text)).toBe('a'.repeat(120));
    expect(truncateCloseReason(`${'a'.repeat(119)}😀x`)).toBe(`${'a'.repeat(119)}😀`);
  });

  it('honours a custom byte limit', () => {
    expect(truncateCloseReason('héllo', 2)).toBe('h');
    expect(truncateCloseReason('héllo', 3)).toBe('hé');
    expect(truncateCloseReason('abc', 0)).toBe('');
  });

  it('property: result is a prefix, fits the limit, is valid UTF-8, and is as long as possible', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.nat(200), (text, max) => {
        const cut = truncateCloseReason(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        expect(fatal.decode(new TextEncoder().encode(cut))).toBe(cut);
        if (cut.length < text.length) {
          const next = String.fromCodePoint(text.codePointAt(cut.length) ?? 0);
          expect(bytes(cut) + bytes(next)).toBeGreaterThan(max);
        }
      }),
    );
  });

  it('property: a lone surrogate counts as the 3 bytes it encodes to', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.nat(150), (text, max) => {
        const cut = truncateCloseReason(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
      }),
    );
  });
});
