// examples/vite: typecheck, build, the size sockguard adds, then in Chromium the chat (index.html)
// and one connection for two tabs (tabs.html, its socket in a SharedWorker).
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkChatApp } from './browser.mjs';
import { jsBytes } from './gzip-size.mjs';
import { freePort, runCommand, startProcess, waitForHttp } from './proc.mjs';
import { checkSharedTabs } from './shared-tabs.mjs';
import { serveStatic } from './static-server.mjs';
import { copyExample, installTarball, startTestServer } from './workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function run({ examplesDir, root, tarball, step }) {
  const dir = copyExample(examplesDir, 'vite', root, { withTestServer: true });
  step('vite: npm install (the tarball + pinned deps)');
  await installTarball(dir, tarball);

  step('vite: tsc --noEmit (strict, against the shipped .d.ts)');
  await runCommand('npx', ['tsc', '--noEmit'], { cwd: dir, timeoutMs: 120_000 });

  step('vite: vite build');
  await runCommand('npx', ['vite', 'build'], { cwd: dir, timeoutMs: 120_000 });

  step('vite: index.html alone built with sockguard/react, then with it stubbed out (the size)');
  cpSync(path.join(here, 'vite-size'), dir, { recursive: true });
  for (const config of ['vite.size.config.ts', 'vite.stub.config.ts']) {
    await runCommand('npx', ['vite', 'build', '--config', config], {
      cwd: dir,
      timeoutMs: 120_000,
      quiet: true,
    });
  }
  const withIt = jsBytes(path.join(dir, 'dist-size'));
  const without = jsBytes(path.join(dir, 'dist-stub'));
  const size =
    `sockguard adds ${withIt.gzip - without.gzip} bytes gzip (-9), ` +
    `${withIt.min - without.min} bytes minified, to the Vite build ` +
    `(app JS ${withIt.gzip} B gzip vs ${without.gzip} B with sockguard/react replaced by no-op stubs; ` +
    'the difference includes zustand, its one dependency)';
  console.log(size);

  step('vite: serve dist/ and the test server, load in Chromium');
  let { server, control, ws } = await startTestServer(dir);
  const site = await serveStatic(path.join(dir, 'dist'));
  try {
    await checkChatApp({
      appUrl: `${site.url}/?ws=${encodeURIComponent(ws)}`,
      control,
      loginUrl: /#\/login$/,
      step,
    });
    // A fresh server, so its counts are the two tabs' alone.
    await server.stop();
    ({ server, control, ws } = await startTestServer(dir));
    step('vite: tabs.html, one connection for all tabs (shareTabs + a SharedWorker)');
    await checkSharedTabs({
      appUrl: `${site.url}/tabs.html?ws=${encodeURIComponent(ws)}`,
      control,
      step,
    });
  } finally {
    await site.close();
    await server.stop();
  }

  // The dev server serves the worker as an ES module with its own imports, and optimizes
  // dependencies on first use: a path `vite build` never takes. A cold cache, as a fresh clone has.
  step('vite: the dev server (cold dependency cache), tabs.html in two pages');
  rmSync(path.join(dir, 'node_modules/.vite'), { recursive: true, force: true });
  const port = await freePort();
  const dev = startProcess(
    'vite dev',
    'npx',
    ['vite', '--host', '127.0.0.1', '--port', `${port}`, '--strictPort'],
    { cwd: dir },
  );
  ({ server, control, ws } = await startTestServer(dir));
  try {
    const devUrl = `http://127.0.0.1:${port}/tabs.html`;
    await waitForHttp(devUrl, 60_000);
    await checkSharedTabs({ appUrl: `${devUrl}?ws=${encodeURIComponent(ws)}`, control, step });
  } finally {
    await Promise.all([dev.stop(), server.stop()]);
  }
  return `${size}; tabs.html: two pages, one connection (built, and on the dev server)`;
}
