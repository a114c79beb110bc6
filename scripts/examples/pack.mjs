// `npm pack` (its prepack builds dist/) and the check of what the tarball ships.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, StepError } from './proc.mjs';

/** Every entry's JavaScript and types: the `exports` of package.json must point at these. */
export const ENTRY_FILES = [
  'dist/index.js',
  'dist/index.d.ts',
  'dist/react/index.js',
  'dist/react/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
  'dist/server/index.js',
  'dist/server/index.d.ts',
  'dist/schemas.js',
  'dist/schemas.d.ts',
  'dist/protocol/index.js',
  'dist/protocol/index.d.ts',
];

const REQUIRED = [...ENTRY_FILES, 'package.json', 'README.md', 'LICENSE'];

/** What must never ship: the library's own test helpers and tests, and source maps. */
const FORBIDDEN = [
  { why: 'a test helper', test: (file) => /(^|\/)test-[^/]*$/.test(file) },
  { why: 'a test', test: (file) => /\.test(-d)?\.[^/]*$/.test(file) },
  { why: 'a source map', test: (file) => file.endsWith('.map') },
];

/** Packs the repo into `destination`; returns the tarball's absolute path. */
export async function pack(repo, destination) {
  const { stdout } = await runCommand(
    'npm',
    ['pack', '--pack-destination', destination, '--json', '--loglevel=error'],
    { cwd: repo, timeoutMs: 180_000, quiet: true },
  );
  // prepack's own output (npm run build) comes before the JSON report.
  const report = JSON.parse(stdout.slice(stdout.indexOf('[')));
  const file = path.join(destination, report[0].filename);
  if (!existsSync(file)) throw new StepError(`npm pack reported ${file}, which is not there`);
  console.log(`${report[0].filename}: ${report[0].entryCount} files, ${report[0].size} bytes`);
  return file;
}

/**
 * Checks the tarball's file list: every entry's .js and .d.ts, README and LICENSE present; no test
 * helper, test or map; every relative link of the README that is a repo file is shipped too.
 * Returns the list of problems (empty when it is right).
 */
export async function checkTarball(repo, tarball) {
  const { stdout } = await runCommand('tar', ['-tzf', tarball], {
    cwd: repo,
    timeoutMs: 30_000,
    quiet: true,
  });
  const files = new Set(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((entry) => entry.replace(/^package\//, '')),
  );
  const problems = [];
  for (const file of REQUIRED) if (!files.has(file)) problems.push(`missing ${file}`);
  for (const file of files) {
    for (const rule of FORBIDDEN) if (rule.test(file)) problems.push(`ships ${rule.why}: ${file}`);
  }
  for (const link of readmeLinks(readFileSync(path.join(repo, 'README.md'), 'utf8'))) {
    if (existsSync(path.join(repo, link)) && !files.has(link)) {
      problems.push(`README links ${link}, a repo file the tarball does not ship`);
    }
  }
  const dist = [...files].filter((file) => file.startsWith('dist/'));
  const others = [...files].filter((file) => !file.startsWith('dist/')).sort();
  const count = (suffix) => dist.filter((file) => file.endsWith(suffix)).length;
  console.log(
    `${files.size} files: dist/ (${count('.js')} .js, ${count('.d.ts')} .d.ts, ` +
      `${dist.length - count('.js') - count('.d.ts')} other) and\n  ${others.join('\n  ')}`,
  );
  return problems;
}

/** Relative link targets of a markdown file (`[text](target)`, images too), without #anchors. */
export function readmeLinks(markdown) {
  const links = new Set();
  for (const match of markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1].split('#')[0];
    if (target && !/^[a-z][a-z0-9+.-]*:/i.test(target)) links.add(path.posix.normalize(target));
  }
  return links;
}
