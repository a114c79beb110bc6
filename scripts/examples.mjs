// npm run test:examples [-- <name>...]: the package as users meet it. Packs the repo (prepack
// builds dist/), checks what the tarball ships, then installs it into fresh copies of examples/*
// in a temp directory outside the repo and runs each one's checks (README: examples/README.md).
//   SOCKGUARD_EXAMPLES_KEEP=1          keep the temp directory (its path is printed)
//   SOCKGUARD_TARBALL=<file.tgz>       use this tarball instead of packing one (still checked)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeBrowser } from './examples/browser.mjs';
import * as msw3 from './examples/msw3.mjs';
import * as next from './examples/next.mjs';
import * as node from './examples/node.mjs';
import { checkTarball, pack } from './examples/pack.mjs';
import { StepError, stopAll } from './examples/proc.mjs';
import * as vite from './examples/vite.mjs';
import * as vitest from './examples/vitest.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = path.join(repo, 'examples');
// Cheapest first, so a broken tarball fails fast.
const EXAMPLES = { node, msw3, vitest, vite, next };

const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);
const step = (label) => console.log(`\n=== ${label} (${seconds(started)} s) ===`);

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in EXAMPLES));
if (unknown.length) {
  console.error(
    `unknown example ${unknown.join(', ')}; known: ${Object.keys(EXAMPLES).join(', ')}`,
  );
  process.exit(2);
}
const names = asked.length ? asked : Object.keys(EXAMPLES);

const root = mkdtempSync(path.join(tmpdir(), 'sockguard-examples-'));
if (!path.relative(repo, root).startsWith('..')) {
  console.error(`the temp directory ${root} is inside the repo: set TMPDIR elsewhere`);
  process.exit(2);
}

// A hard stop, whatever hangs: CI must never wait on this script.
const watchdog = setTimeout(() => finish(['the whole run took over 15 minutes']), 15 * 60_000);
watchdog.unref();

const results = [];

// Every child runs in its own process group (so a timeout can kill its whole tree), which also
// means Ctrl+C does not reach them: end them here.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping what this run started`);
    finish([`interrupted by ${signal}`]);
  });
}

async function main() {
  const packStarted = Date.now();
  let tarball = process.env.SOCKGUARD_TARBALL && path.resolve(process.env.SOCKGUARD_TARBALL);
  if (tarball) step(`using ${tarball} (SOCKGUARD_TARBALL)`);
  else {
    step(`npm pack (prepack builds dist/) into ${root}`);
    tarball = await pack(repo, root);
  }

  step(
    'tarball content: every entry .js + .d.ts, README, LICENSE, README links; no tests, no maps',
  );
  const problems = await checkTarball(repo, tarball);
  for (const problem of problems) console.error(`✖ ${problem}`);
  results.push({
    name: 'pack + content',
    ok: problems.length === 0,
    seconds: seconds(packStarted),
    note: problems.length ? problems.join('; ') : 'every entry .js + .d.ts, README, LICENSE',
  });

  for (const name of names) {
    const since = Date.now();
    try {
      const note = await EXAMPLES[name].run({ examplesDir, root, tarball, step });
      results.push({ name, ok: true, seconds: seconds(since), note: note ?? '' });
    } catch (error) {
      const message = error instanceof StepError ? error.message : (error.stack ?? String(error));
      console.error(`\n✖ example ${name} failed: ${message}`);
      results.push({ name, ok: false, seconds: seconds(since), note: message.split('\n')[0] });
    } finally {
      await stopAll();
    }
  }
}

let finishing = false;

async function finish(fatal = []) {
  if (finishing) return;
  finishing = true;
  await stopAll();
  await closeBrowser().catch(() => {});
  if (process.env.SOCKGUARD_EXAMPLES_KEEP) console.log(`\nkept ${root}`);
  else rmSync(root, { recursive: true, force: true });

  step('summary');
  for (const r of results) {
    console.log(
      `${r.ok ? '✔' : '✖'} ${r.name.padEnd(16)} ${String(r.seconds).padStart(6)} s  ${r.note}`,
    );
  }
  const failed = [...results.filter((r) => !r.ok).map((r) => r.name), ...fatal];
  if (failed.length) {
    console.error(`\ntest:examples FAILED: ${failed.join(', ')} (${seconds(started)} s)`);
    process.exit(1);
  }
  console.log(`\ntest:examples passed: ${results.length} checks in ${seconds(started)} s`);
  process.exit(0);
}

main().then(
  () => finish(),
  (error) => {
    const message = error instanceof StepError ? error.message : (error.stack ?? String(error));
    console.error(`\n✖ ${message}`);
    return finish([message.split('\n')[0]]);
  },
);
