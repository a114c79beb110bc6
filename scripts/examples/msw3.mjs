// examples/msw3: a project on msw 3 installs the tarball without ERESOLVE. msw 3 needs
// Node >= 22.12, so on Node 20 this proves the install only (npm warns EBADENGINE; no
// engine-strict in this example's .npmrc on purpose).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StepError } from './proc.mjs';
import { copyExample, installTarball } from './workspace.mjs';

export async function run({ examplesDir, root, tarball, step }) {
  const dir = copyExample(examplesDir, 'msw3', root);
  step(
    'msw3: npm install <tarball> into a project holding msw 3 (no --force, no --legacy-peer-deps)',
  );
  // Explicit: a user-level engine-strict would turn msw 3's EBADENGINE warning into a failure.
  const { stdout, stderr } = await installTarball(dir, tarball, {
    extraArgs: ['--engine-strict=false'],
  });
  if (/ERESOLVE/.test(stdout + stderr)) throw new StepError('npm reported ERESOLVE');
  const msw = JSON.parse(readFileSync(path.join(dir, 'node_modules/msw/package.json'), 'utf8'));
  if (!msw.version.startsWith('3.')) throw new StepError(`msw ${msw.version} installed, not 3.x`);
  const note = `msw ${msw.version} and sockguard installed together, no ERESOLVE`;
  console.log(note);
  return note;
}
