// examples/next: next build (typechecks too), next start on a free port, the chat in Chromium.
import { checkChatApp } from './browser.mjs';
import { freePort, runCommand, startProcess, waitForHttp } from './proc.mjs';
import { copyExample, installTarball, startTestServer } from './workspace.mjs';

const env = { NEXT_TELEMETRY_DISABLED: '1' };

export async function run({ examplesDir, root, tarball, step }) {
  const dir = copyExample(examplesDir, 'next', root, { withTestServer: true });
  step('next: npm install (the tarball + pinned deps)');
  await installTarball(dir, tarball);

  step('next: next build (App Router, provider in the server layout)');
  await runCommand('npx', ['next', 'build'], { cwd: dir, env, timeoutMs: 240_000 });

  step('next: next start and the test server, load in Chromium');
  const { server, control, ws } = await startTestServer(dir);
  const port = await freePort();
  // The layout reads CHAT_WS_URL per request: the one build points at this run's server.
  const next = startProcess(
    'next start',
    'npx',
    ['next', 'start', '-H', '127.0.0.1', '-p', `${port}`],
    {
      cwd: dir,
      env: { ...env, CHAT_WS_URL: ws },
    },
  );
  try {
    const appUrl = `http://127.0.0.1:${port}/`;
    await waitForHttp(appUrl, 60_000);
    await checkChatApp({ appUrl, control, loginUrl: /\/login$/, step });
  } finally {
    await next.stop();
    await server.stop();
  }
}
