/**
 * The origin of the SharedWorker tests: an HTTP server on 127.0.0.1 that serves a page
 * (`/`, loading `/page.js`) and the worker script (`/hub.js`), both bundled by esbuild at start
 * from worker-page.ts and hub-worker.ts. A SharedWorker must come from the page's own origin;
 * the WebSocket it opens goes to the tab server of test/tabs (tab-server.ts), another origin,
 * which WebSockets allow.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** A running worker-test origin. */
export interface WorkerServer {
  /** The page: `http://127.0.0.1:<port>/`. */
  readonly url: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sockguard: the socket in a SharedWorker</title></head>
<body><p id="app">SharedWorker test page</p><script src="/page.js"></script></body>
</html>`;

/** Another page of the origin, to navigate a page away (and back, from the bfcache or not). */
const OTHER =
  '<!doctype html><html lang="en"><head><title>elsewhere</title></head><body>elsewhere</body></html>';

async function bundle(entry: string, format: 'iife' | 'esm'): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Bundles the page and the worker, and serves them on a free port of 127.0.0.1. */
export async function startWorkerServer(): Promise<WorkerServer> {
  const [page, worker] = await Promise.all([
    bundle('./worker-page.ts', 'iife'),
    // A classic worker script (no `type: 'module'` needed in the page).
    bundle('./hub-worker.ts', 'iife'),
  ]);
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (type: string, body: string) => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (path === '/page.js') return send('text/javascript', page);
    if (path === '/hub.js') return send('text/javascript', worker);
    if (path === '/') return send('text/html', PAGE);
    if (path === '/other') return send('text/html', OTHER);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
