// examples/next: next build (Turbopack; typechecks too), next start on a free port, then in
// Chromium the chat (`/`) and one connection for two tabs (`/tabs`, its socket in a SharedWorker);
// then `next build --webpack` and the two tabs again, since the README promises both bundlers,
// and the two tabs once more on `next dev`.
import { checkChatApp } from './browser.mjs';
import { freePort, runCommand, startProcess, waitForHttp } from './proc.mjs';
import { checkSharedTabs } from './shared-tabs.mjs';
import { copyExample, installTarball, startTestServer } from './workspace.mjs';

const env = { NEXT_TELEMETRY_DISABLED: '1' };

export async function run({ examplesDir, root, tarball, step }) {
  const dir = copyExample(examplesDir, 'next', root, { withTestServer: true });
  step('next: npm install (the tarball + pinned deps)');
  await installTarball(dir, tarball);

  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}/`;
  /**
   * Runs `check` against `next start` of the current build (or `next dev`) and a fresh test
   * server (so its counts are this check's alone). The layouts read CHAT_WS_URL per request: one
   * build serves any server.
   */
  const served = async (check, command = 'start') => {
    const { server, control, ws } = await startTestServer(dir);
    const next = startProcess(
      `next ${command}`,
      'npx',
      ['next', command, '-H', '127.0.0.1', '-p', `${port}`],
      { cwd: dir, env: { ...env, CHAT_WS_URL: ws } },
    );
    try {
      // The dev server compiles a page on its first request: ask for /tabs before the browser.
      await waitForHttp(command === 'dev' ? `${appUrl}tabs` : appUrl, 120_000);
      await check(control);
    } finally {
      await Promise.all([next.stop(), server.stop()]);
    }
  };

  step(
    'next: next build (Turbopack; App Router: a provider in a server layout, a shared one in /tabs)',
  );
  await runCommand('npx', ['next', 'build'], { cwd: dir, env, timeoutMs: 240_000 });

  step('next: next start and the test server, load / in Chromium');
  await served((control) => checkChatApp({ appUrl, control, loginUrl: /\/login$/, step }));
  step('next: /tabs, one connection for all tabs (shareTabs + a SharedWorker, Turbopack)');
  await served((control) => checkSharedTabs({ appUrl: `${appUrl}tabs`, control, step }));

  step('next: next build --webpack (the same source, the other bundler)');
  await runCommand('npx', ['next', 'build', '--webpack'], { cwd: dir, env, timeoutMs: 300_000 });
  step('next: /tabs, one connection for all tabs (webpack)');
  await served((control) => checkSharedTabs({ appUrl: `${appUrl}tabs`, control, step }));

  step('next: next dev (Turbopack), /tabs in two pages');
  await served((control) => checkSharedTabs({ appUrl: `${appUrl}tabs`, control, step }), 'dev');

  return '/tabs: two pages, one connection, built by Turbopack and by webpack, and in next dev';
}
