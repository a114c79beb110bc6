/**
 * `npm run bench`: runs every benchmark in turn (or those named: `npm run bench -- receive herd`, `npm run bench -- delivery`)
 * and ends with one summary line each. Benchmarks report numbers and ratios; none is a test.
 */
import { benchDelivery } from './delivery.js';
import { benchHerd } from './herd.js';
import { benchMemory } from './memory.js';
import { benchParse } from './parse.js';
import { benchReceive } from './receive.js';
import { benchRenders } from './renders.js';
import { benchSize } from './size.js';

const benches: Array<[string, () => Promise<string>]> = [
  ['parse', benchParse],
  ['receive', benchReceive],
  ['renders', benchRenders],
  ['size', benchSize],
  ['herd', benchHerd],
  ['memory', benchMemory],
  ['delivery', benchDelivery],
];
const only = process.argv.slice(2);
const unknown = only.filter((name) => !benches.some(([known]) => known === name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${benches.map(([n]) => n).join(', ')}`,
  );
  process.exit(2);
}
const lines: string[] = [];
console.log(`sockguard benchmarks: node ${process.version}, ${new Date().toISOString()}`);
for (const [name, bench] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  lines.push(await bench());
}
console.log(`\nSummary\n${lines.map((l) => `  ${l}`).join('\n')}`);
// The React bench leaves happy-dom timers behind; the numbers are out, so stop here.
process.exit(0);
