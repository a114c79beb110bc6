/**
 * "Did you mean": the known name nearest to a misspelt one, for the option checks of the client
 * (core) and of `sockguard/server`, which both build on the protocol layer. Pure.
 */

/** Edit distance, case-insensitive; option lists are short, so the plain DP is enough. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The name in `known` nearest to `name` (the first of equals); '' when `known` is empty. */
export function nearestName(name: string, known: readonly string[]): string {
  let best = known[0] ?? '';
  for (const candidate of known) {
    if (distance(name, candidate) < distance(name, best)) best = candidate;
  }
  return best;
}
