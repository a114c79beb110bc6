/**
 * The sockguard demo server: a small chat with rooms and token auth that produces every failure of
 * the protocol on demand. Run: `npx tsx demo/server.ts` (PORT, default 8787). See docs/demo.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SessionServer } from '../src/server/index.js';
import { closeWithError, createRedisHistory } from '../src/server/index.js';
import { handleHttp } from './http.js';
import { createDemoSessions, type DemoSocket, demoSocket } from './sessions.js';
import { createState, type DemoClient, type DemoOptions, type DemoState } from './state.js';

export type { DemoOptions } from './state.js';

/** A running demo server. */
export interface DemoServer {
  /** The WebSocket URL, e.g. `ws://127.0.0.1:8787` (add `/?token=valid-...`). */
  readonly url: string;
  /** The HTTP base URL of the control routes. */
  readonly httpUrl: string;
  readonly port: number;
  /** Terminates every socket and stops listening. */
  close(): Promise<void>;
}

/** Refuses an upgrade the way an overloaded or restarting server does: HTTP 503, no WebSocket. */
function refuseUpgrade(socket: Duplex): void {
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n',
  );
}

function onConnection(
  state: DemoState,
  sessions: SessionServer<DemoSocket>,
  socket: WebSocket,
  request: IncomingMessage,
): void {
  socket.on('error', () => {});
  const client: DemoClient = {
    id: randomUUID().slice(0, 8),
    socket,
    rooms: new Set(),
    peer: undefined,
    silentUntil: 0,
    windowStart: 0,
    windowCount: 0,
  };
  const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
  if (!token.startsWith('valid-')) {
    // Auth happens after the upgrade so the browser can read the reason (an HTTP 401 shows as 1006).
    const message = token.startsWith('expired-') ? 'Token expired' : 'Token missing or invalid';
    closeWithError(socket, 4003, message);
    return;
  }
  state.clients.add(client);
  state.log(`connected ${client.id} (${state.clients.size} online)`);
  // Frames (binary and malformed ones answered with 4000 as before) go through the session layer.
  sessions.accept(demoSocket(client), { anonymous: true });
  socket.on('close', () => {
    state.clients.delete(client);
    // A delivery session keeps its rooms until it is forgotten (createDemoSessions).
    if (client.peer?.delivery !== true) {
      for (const room of state.rooms.values()) room.members.delete(client);
    }
    state.log(`disconnected ${client.id}`);
  });
}

/** Starts the demo server. `port: 0` picks a free port (for tests). */
export async function startDemoServer(options: DemoOptions = {}): Promise<DemoServer> {
  const state = createState(options);
  const sessions = createDemoSessions(state);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const http = createServer((request, response) => {
    handleHttp(state, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => {});
    if (Date.now() < state.refuseUntil) return refuseUpgrade(socket);
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(state, sessions, ws, request));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(state.options.port, state.options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const host = state.options.host;
  return {
    url: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      sessions.close();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * With `REDIS_URL`, sessions live in Redis (several demo servers behind a load balancer resume
 * each other's clients). `redis` is imported only here, and only then: `npm start` needs no Redis.
 */
async function redisStore(url: string) {
  const { createClient } = await import('redis');
  // Commands fail at once while Redis is down (the layer degrades) instead of queueing.
  const client = createClient({ url, disableOfflineQueue: true });
  client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await client.connect();
  const store = createRedisHistory({ client });
  return {
    store,
    close: async () => {
      await store.close();
      await client.close();
    },
  };
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  const redisUrl = process.env.REDIS_URL;
  const redis = redisUrl ? await redisStore(redisUrl) : undefined;
  const server = await startDemoServer({ port, log: true, store: redis?.store });
  console.log(
    `sockguard demo server: ${server.url}/?token=valid-me (controls: ${server.httpUrl}/)` +
      (redis ? ', sessions in Redis' : ''),
  );
  const stop = () => {
    server
      .close()
      .then(() => redis?.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
