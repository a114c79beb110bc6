// npm start: the demo server (a chat that fails on demand) and the Storybook demo, side by side.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const storybookPort = process.env.STORYBOOK_PORT ?? '6006';
const demoPort = process.env.PORT ?? '8787';
const children = [];

function start(name, command, args, env = {}) {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const prefix = `[${name}]`;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) if (line.trim()) console.log(`${prefix} ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${prefix} exited (${signal ?? code})`);
    stopAll(code ?? 0);
  });
  children.push(child);
}

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

if (existsSync('demo/server.ts')) {
  start('demo-server', 'npx', ['tsx', 'demo/server.ts'], { PORT: demoPort });
}
// The Live story reads the demo server's URL from this variable (default ws://127.0.0.1:8787).
start(
  'storybook',
  'npx',
  ['storybook', 'dev', '-p', storybookPort, '--host', '127.0.0.1', '--no-open', '--ci'],
  { STORYBOOK_DEMO_URL: `ws://127.0.0.1:${demoPort}` },
);

console.log(`
sockguard demo
  Storybook:   http://127.0.0.1:${storybookPort}/
  Demo server: ${existsSync('demo/server.ts') ? `ws://127.0.0.1:${demoPort}/ (controls: http://127.0.0.1:${demoPort}/)` : '(not built yet)'}
Press Ctrl+C to stop both.
`);
