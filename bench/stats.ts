/** Small helpers the benchmarks share: medians, number formatting, interleaved order. */

/** The median of `values` (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** `1234567` → `1,234,567`. */
export const int = (value: number): string => Math.round(value).toLocaleString('en');

/** Bytes as KB with one decimal. */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * The order of contenders in round `round`: rotated each round, so none always runs first (cold
 * caches, a fresh server) or last.
 */
export function rotation(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, k) => (k + round) % count);
}

/** Waits `ms` of real time (benchmarks only; tests never sleep). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
