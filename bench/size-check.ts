/**
 * `npm run size`, the CI size check: exits 1 when sockguard + sockguard/react (own code, everything
 * exported) or the typical app import grows past its regression budget (production build, min+gz),
 * and names the biggest parts so the cause is plain. The targets are printed as met or missed.
 */
import {
  contributors,
  measure,
  OWN_CODE_BUDGET_BYTES,
  OWN_ENTRY,
  REGRESSION_BUDGET_BYTES,
  type SizeEntry,
  TYPICAL_ENTRY,
  TYPICAL_REGRESSION_BUDGET_BYTES,
  TYPICAL_TARGET_BYTES,
} from './size.js';

const checks: ReadonlyArray<readonly [entry: SizeEntry, budget: number, target: number]> = [
  [OWN_ENTRY, REGRESSION_BUDGET_BYTES, OWN_CODE_BUDGET_BYTES],
  [TYPICAL_ENTRY, TYPICAL_REGRESSION_BUDGET_BYTES, TYPICAL_TARGET_BYTES],
];

for (const [entry, budget, target] of checks) {
  const { gzip, min, metafile } = await measure(entry, 'production');
  const within = gzip <= budget;
  console.log(
    `size check: ${entry.name} = ${gzip} bytes min+gz (${min} min, production), ${within ? 'within' : 'OVER'} the regression budget of ${budget} bytes`,
  );
  console.log(
    gzip > target
      ? `  target of ${target} bytes: MISSED by ${gzip - target} bytes`
      : `  target of ${target} bytes: met`,
  );
  if (!within) {
    console.log('  biggest parts (minified bytes before gzip):');
    for (const [path, bytes] of contributors(metafile, 8))
      console.log(`    ${String(bytes).padStart(6)}  ${path}`);
    process.exitCode = 1;
  }
}
