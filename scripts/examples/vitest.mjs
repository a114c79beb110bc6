// examples/vitest: the README's sockguard/testing example, verbatim, on msw 2 in happy-dom.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './proc.mjs';
import { testingExample } from './readme-block.mjs';
import { copyExample, installTarball } from './workspace.mjs';

export async function run({ examplesDir, root, tarball, step }) {
  const dir = copyExample(examplesDir, 'vitest', root);
  // The README users read is the one in the tarball; it is the repo's README.md.
  const code = testingExample(readFileSync(path.join(examplesDir, '../README.md'), 'utf8'));
  writeFileSync(path.join(dir, 'readme.test.ts'), code);
  console.log(`readme.test.ts: ${code.split('\n').length - 1} lines from README.md`);

  step('vitest: npm install (the tarball + vitest, msw 2, happy-dom)');
  await installTarball(dir, tarball);

  step('vitest: tsc --noEmit on the README example');
  await runCommand('npx', ['tsc', '--noEmit'], { cwd: dir, timeoutMs: 120_000 });

  step("vitest: vitest run (environment 'happy-dom')");
  await runCommand('npx', ['vitest', 'run'], { cwd: dir, timeoutMs: 120_000 });
}
