/**
 * The frame text split around its `seq`, so Redis can build the text of the number it takes
 * inside the append script (one round trip, no second write). The encoder is called with two
 * marker numbers; the split holds when joining the first text's parts with the second marker
 * gives exactly the second text (so data that happens to contain a marker is caught).
 */

/** Pairs of markers: safe integers unlikely in data, tried in turn. */
const MARKERS: ReadonlyArray<readonly [number, number]> = [
  [918_273_645_546_372, 827_364_519_283_746],
  [736_455_463_728_191, 645_546_372_819_283],
  [564_738_291_029_384, 473_829_102_938_475],
];

/**
 * The parts of `encode`'s text around the seq: `parts.join(String(seq)) === encode(seq)` for every
 * seq. Throws a TypeError when the text does not hold the seq as plain digits.
 */
export function splitAroundSeq(encode: (seq: number) => string): string[] {
  for (const [a, b] of MARKERS) {
    const parts = encode(a).split(String(a));
    if (parts.length >= 2 && parts.join(String(b)) === encode(b)) return parts;
  }
  throw new TypeError('the frame text must hold its seq as plain digits');
}
