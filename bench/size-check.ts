/**
 * `npm run size`, the CI size check: prints each budgeted entry (production build, own code,
 * min+gz) against issue 20's budget, with its parts so the cause is plain, and exits 1 when an
 * entry grows past its regression ceiling (`size.ts` CEILINGS) while the budgets are not met.
 */
import { BUDGETED, contributors, measure, printParts } from './size.js';

for (const [entry, budget, ceiling] of BUDGETED) {
  const size = await measure(entry, 'production');
  const target = size.gzip <= budget ? 'within' : `${size.gzip - budget} B over`;
  const guard = size.gzip <= ceiling ? 'under' : 'OVER';
  console.log(
    `size check: ${entry.name} = ${size.gzip} bytes min+gz (${size.min} min, production): ${target} its budget of ${budget} (issue 20); ${guard} its ceiling of ${ceiling}`,
  );
  printParts(size);
  if (size.gzip > budget) {
    console.log('  biggest files (minified bytes before gzip):');
    for (const [path, bytes] of contributors(size.metafile, 8))
      console.log(`    ${String(bytes).padStart(6)}  ${path}`);
  }
  if (size.gzip > ceiling) process.exitCode = 1;
}
