// examples/node: the core on Node 20 without a WebSocket (a clear fault) and with `ws` (connects),
// and the sockguard/protocol entry.
import { runCommand } from './proc.mjs';
import { copyExample, installTarball } from './workspace.mjs';

export async function run({ examplesDir, root, tarball, step }) {
  const dir = copyExample(examplesDir, 'node', root);
  step('node: npm install (the tarball + ws)');
  await installTarball(dir, tarball);

  step(
    `node ${process.version}: createSocket without options.WebSocket (ws installed, not passed)`,
  );
  await runCommand('node', ['no-websocket.mjs'], { cwd: dir, timeoutMs: 20_000 });

  step(`node ${process.version}: createSocket with WebSocket from ws, against a local server`);
  await runCommand('node', ['with-ws.mjs'], { cwd: dir, timeoutMs: 20_000 });

  step(`node ${process.version}: sockguard/protocol parses and classifies a frame`);
  await runCommand('node', ['protocol.mjs'], { cwd: dir, timeoutMs: 20_000 });
}
