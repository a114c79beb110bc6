/** The longest close reason RFC 6455 allows: a 125-byte control payload minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** UTF-8 length of one code point. A lone surrogate is encoded as U+FFFD (3 bytes). */
function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Cuts `text` so its UTF-8 encoding fits in `maxBytes`, never splitting a character (a code point,
 * surrogate pairs included). The result is always a prefix of `text`. `ws` throws on a close reason
 * over 123 bytes, and a browser would reject a reason cut inside a character.
 *
 * @param maxBytes @default 123
 */
export function truncateCloseReason(
  text: string,
  maxBytes: number = MAX_CLOSE_REASON_BYTES,
): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    bytes += utf8Length(codePoint);
    if (bytes > maxBytes) return text.slice(0, end);
    end += char.length;
  }
  return text;
}
