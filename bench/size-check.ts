/**
 * `npm run size`, the CI size check: exits 1 when sockguard + sockguard/react (own code, everything
 * exported, min+gz) grows past the budget, and names the biggest parts so the cause is plain.
 */
import {
  contributors,
  measure,
  OWN_CODE_BUDGET_BYTES,
  OWN_ENTRY,
  REGRESSION_BUDGET_BYTES,
} from './size.js';

const { gzip, min, metafile } = await measure(OWN_ENTRY);
const within = gzip <= REGRESSION_BUDGET_BYTES;
console.log(
  `size check: ${OWN_ENTRY.name} = ${gzip} bytes min+gz (${min} min), ${within ? 'within' : 'OVER'} the regression budget of ${REGRESSION_BUDGET_BYTES} bytes`,
);
if (gzip > OWN_CODE_BUDGET_BYTES) {
  console.log(
    `target of ${OWN_CODE_BUDGET_BYTES} bytes: MISSED by ${gzip - OWN_CODE_BUDGET_BYTES} bytes`,
  );
}
if (!within) {
  console.log('biggest parts (minified bytes before gzip):');
  for (const [path, bytes] of contributors(metafile, 8))
    console.log(`  ${String(bytes).padStart(6)}  ${path}`);
  process.exitCode = 1;
}
