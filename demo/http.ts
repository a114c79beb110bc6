import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFault, FAULTS, type FaultOptions, isFaultName } from './faults.js';
import type { DemoState } from './state.js';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
};

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...CORS, 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Reads a small JSON body; anything else counts as `{}`. */
async function readOptions(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 10_000) break;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A page with one button per failure, for trying the demo without Storybook. */
function controlPage(host: string): string {
  const buttons = FAULTS.map(
    (fault) =>
      `<button onclick="fetch('/control/${fault}',{method:'POST'}).then(r=>r.json()).then(j=>out.textContent=JSON.stringify(j))">${fault}</button>`,
  ).join('\n');
  return `<!doctype html><meta charset="utf-8"><title>sockguard demo server</title>
<h1>sockguard demo server</h1>
<p>WebSocket: <code>ws://${host}/?token=valid-me</code> (tokens <code>valid-*</code> work,
<code>expired-*</code> get 4003). <code>POST /token</code> issues one.</p>
<p>Trigger a failure on every connected socket:</p>
${buttons}
<pre id="out"></pre>`;
}

/**
 * HTTP routes: `POST /token` issues a token, `POST /control/<fault>` triggers a failure on every
 * connected socket (JSON body: `close`, `seconds`, `retryAfterMs`), `GET /` serves buttons.
 * Every route answers CORS so the Storybook demo can call it from another origin.
 */
export async function handleHttp(
  state: DemoState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'OPTIONS') {
    response.writeHead(204, CORS);
    response.end();
    return;
  }
  if (request.method === 'GET' && pathname === '/') {
    response.writeHead(200, { ...CORS, 'content-type': 'text/html; charset=utf-8' });
    response.end(controlPage((request.headers.host ?? '').replace(/[^\w.:[\]-]/g, '')));
    return;
  }
  if (request.method === 'POST' && pathname === '/token') {
    return json(response, 200, { token: `valid-${randomUUID()}` });
  }
  const match = /^\/control\/([a-z-]+)$/.exec(pathname);
  if (request.method === 'POST' && match) {
    const fault = match[1];
    if (!isFaultName(fault)) return json(response, 404, { error: 'unknown fault', faults: FAULTS });
    const body = await readOptions(request);
    const options: FaultOptions = {
      close: body.close === true,
      ...(typeof body.seconds === 'number' ? { seconds: body.seconds } : {}),
      ...(typeof body.retryAfterMs === 'number' ? { retryAfterMs: body.retryAfterMs } : {}),
    };
    applyFault(state, fault, state.clients, options);
    return json(response, 200, { ok: true, fault, clients: state.clients.size });
  }
  json(response, 404, { error: 'not found' });
}
