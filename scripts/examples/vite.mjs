// examples/vite: typecheck, build, the size sockguard adds, then the chat in Chromium.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkChatApp } from './browser.mjs';
import { jsBytes } from './gzip-size.mjs';
import { runCommand } from './proc.mjs';
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

  step('vite: vite build with sockguard/react stubbed out (for the size difference)');
  cpSync(path.join(here, 'vite-size'), dir, { recursive: true });
  await runCommand('npx', ['vite', 'build', '--config', 'vite.stub.config.ts'], {
    cwd: dir,
    timeoutMs: 120_000,
    quiet: true,
  });
  const withIt = jsBytes(path.join(dir, 'dist'));
  const without = jsBytes(path.join(dir, 'dist-stub'));
  const size =
    `sockguard adds ${withIt.gzip - without.gzip} bytes gzip (-9), ` +
    `${withIt.min - without.min} bytes minified, to the Vite build ` +
    `(app JS ${withIt.gzip} B gzip vs ${without.gzip} B with sockguard/react replaced by no-op stubs; ` +
    'the difference includes zustand, its one dependency)';
  console.log(size);

  step('vite: serve dist/ and the test server, load in Chromium');
  const { server, control, ws } = await startTestServer(dir);
  const site = await serveStatic(path.join(dir, 'dist'));
  try {
    await checkChatApp({
      appUrl: `${site.url}/?ws=${encodeURIComponent(ws)}`,
      control,
      loginUrl: /#\/login$/,
      step,
    });
  } finally {
    await site.close();
    await server.stop();
  }
  return size;
}
