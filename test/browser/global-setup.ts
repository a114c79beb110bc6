import type { TestProject } from 'vitest/node';
import { type WebSocket, WebSocketServer } from 'ws';
import { startDemoServer } from '../../demo/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    echoUrl: string;
    /** The demo server's WebSocket URL, e.g. `ws://127.0.0.1:<port>` (add `/?token=valid-…`). */
    demoUrl: string;
    /** Its HTTP base: `POST /token`, `POST /control/<fault>`. */
    demoHttpUrl: string;
  }
}

/** How long the demo's `restart` refuses upgrades in these tests: short, but several retries long. */
const RESTART_PAUSE_MS = 1500;

/** A real `ws` server that answers pings with pongs and echoes every other frame as `echo`. */
async function startEcho(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket: WebSocket) => {
    socket.on('error', () => {});
    socket.on('message', (raw) => {
      const text = raw.toString();
      if (text === '{"type":"ping"}') socket.send('{"type":"pong"}');
      else socket.send(JSON.stringify({ type: 'echo', data: text }));
    });
  });
  const address = server.address();
  if (typeof address === 'string' || address === null) throw new Error('ws server has no port');
  return {
    url: `ws://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Real servers on 127.0.0.1, free ports, for native-WebSocket browser tests: the echo server, and
 * the demo server (demo/server.ts) with a restart pause long enough to see refused upgrades even on
 * a loaded 2-core machine, and short enough to keep the test quick.
 */
export default async function setup(project: TestProject) {
  const echo = await startEcho();
  const demo = await startDemoServer({ port: 0, restartPauseMs: RESTART_PAUSE_MS, refuseMs: 1000 });
  project.provide('echoUrl', echo.url);
  project.provide('demoUrl', demo.url);
  project.provide('demoHttpUrl', demo.httpUrl);
  return async () => {
    await Promise.all([echo.close(), demo.close()]);
  };
}
