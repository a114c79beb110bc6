/**
 * `npm run size`, the CI size check: exits 1 when an entry grows past its budget (production
 * build, own code, min+gz; `size.ts` BUDGETS), and prints the parts of each so the cause is plain.
 */
import { BUDGETED, contributors, measure, printParts } from './size.js';

for (const [entry, budget] of BUDGETED) {
  const size = await measure(entry, 'production');
  const within = size.gzip <= budget;
  console.log(
    `size check: ${entry.name} = ${size.gzip} bytes min+gz (${size.min} min, production), ${within ? 'within' : 'OVER'} its budget of ${budget} bytes`,
  );
  printParts(size);
  if (!within) {
    console.log('  biggest files (minified bytes before gzip):');
    for (const [path, bytes] of contributors(size.metafile, 8))
      console.log(`    ${String(bytes).padStart(6)}  ${path}`);
    process.exitCode = 1;
  }
}
