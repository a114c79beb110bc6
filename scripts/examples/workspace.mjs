// A fresh copy of an example outside the repo, installed from the registry plus the tarball.
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { runCommand, StepError, startProcess } from './proc.mjs';

/** What never comes along from the repo's copy of an example (if someone ran it in place). */
const SKIP = new Set([
  'node_modules',
  'package-lock.json',
  'dist',
  'dist-size',
  'dist-stub',
  '.next',
]);

/**
 * Copies `examples/<name>` (and the shared test server, when asked) to `<root>/<name>`. The
 * directory is outside the repo, so nothing can resolve from the repo's node_modules.
 */
export function copyExample(examplesDir, name, root, { withTestServer = false } = {}) {
  const dir = path.join(root, name);
  cpSync(path.join(examplesDir, name), dir, {
    recursive: true,
    filter: (source) => !SKIP.has(path.basename(source)),
  });
  if (withTestServer) {
    cpSync(path.join(examplesDir, 'shared/test-server.mjs'), path.join(dir, 'test-server.mjs'));
  }
  return dir;
}

/**
 * `npm install <tarball>` in `dir`: the tarball plus the example's pinned dependencies. Resolves
 * with npm's output, for checks such as "no ERESOLVE".
 */
export async function installTarball(dir, tarball, { extraArgs = [] } = {}) {
  const result = await runCommand(
    'npm',
    ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', ...extraArgs],
    { cwd: dir, timeoutMs: 300_000 },
  );
  const installed = path.join(dir, 'node_modules/sockguard/package.json');
  if (!existsSync(installed)) throw new StepError(`sockguard is not in ${dir}/node_modules`);
  return result;
}

/** Starts the example's copy of the test server; resolves with its handle and HTTP/WS URLs. */
export async function startTestServer(dir) {
  const server = startProcess('test-server', 'node', ['test-server.mjs'], { cwd: dir });
  const match = await server.waitFor(/\{"port":(\d+)\}/, 10_000);
  const port = Number(match[1]);
  return { server, control: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}
