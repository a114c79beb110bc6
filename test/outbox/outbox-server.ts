/**
 * The origin of the durable outbox's Chromium tests (issue 22): one HTTP server on 127.0.0.1,
 * port 0, that serves the page (`/`, loading `/page.js`, bundled by esbuild at start from
 * outbox-page.ts) and, on the same origin, a `ws` endpoint (`/ws?user=<id>`) with the delivery
 * extension (`createSessionServer`). The user of the query is the connection's principal: a
 * delivery session is bound to it, and every frame the server processes is logged with that
 * principal, the session and the seq.
 *
 * The tests change the link while it runs: `offline` refuses every upgrade (the page's socket
 * retries and keeps its sends), `holdAcks` never writes a `sockguard.ack` (the client sees none),
 * and `freezeAfter(n)` lets n more application frames through, then drops every frame both ways,
 * as a link that stopped carrying anything (the client is not told).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type WebSocket, WebSocketServer } from 'ws';
import { createSessionServer, type SessionSocket } from '../../src/server/index.js';

/** One client frame the server processed (its `onMessage` ran): what the app would act on. */
export interface Processed {
  readonly connection: number;
  /** The principal of the session that processed it (the user the connection was accepted for). */
  readonly principal: string | undefined;
  readonly session: string | undefined;
  readonly seq: number | undefined;
  readonly type: string;
  /** `data.n` of the page's sends. */
  readonly n: number | undefined;
  /** `data.text` of the page's sends (it names the user who typed it). */
  readonly text: string | undefined;
  readonly at: number;
}

/** A hello and the welcome the server answered with, per connection. */
export interface Handshake {
  readonly connection: number;
  readonly principal: string;
  /** The session the hello asked to resume (null: a new one). */
  readonly asked: string | null;
  welcome?: { session: string; resumed: boolean; acked: number; reason?: string };
}

/** Options of {@link startOutboxServer}. */
export interface OutboxServerOptions {
  /** A closed session's history is kept this long (its numbering {@link sessionRetainMs}). */
  readonly sessionTtlMs?: number;
  readonly sessionRetainMs?: number;
}

/** A running outbox test origin. */
export interface OutboxServer {
  /** The page: `http://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly processed: readonly Processed[];
  readonly handshakes: readonly Handshake[];
  /** Upgrades refused while true (the page is offline as far as its socket can tell). */
  offline: boolean;
  /** No `sockguard.ack` is written while true. */
  holdAcks: boolean;
  /** Lets `n` more application frames in, then drops everything both ways (null: thaws). */
  freezeAfter(n: number | null): void;
  /** How many connections are open now. */
  openCount(): number;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sockguard: durable outbox</title></head>
<body><p id="app">outbox test page</p><script src="/page.js"></script></body>
</html>`;

const typeOf = (text: string): string => {
  try {
    const parsed = JSON.parse(text) as { type?: unknown };
    return typeof parsed.type === 'string' ? parsed.type : '';
  } catch {
    return '';
  }
};

/** Bundles the page and serves it with the delivery endpoint on a free port of 127.0.0.1. */
export async function startOutboxServer(options: OutboxServerOptions = {}): Promise<OutboxServer> {
  const built = await build({
    entryPoints: [fileURLToPath(new URL('./outbox-page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  const page = built.outputFiles[0]?.text ?? '';
  const processed: Processed[] = [];
  const handshakes: Handshake[] = [];
  /** Application frames still let in before the freeze (null: no freeze). */
  let passing: number | null = null;
  let ids = 0;
  const open = new Set<WebSocket>();

  const sessions = createSessionServer<SessionSocket & { readonly id: number }>({
    ackDelayMs: 20,
    ...(options.sessionTtlMs !== undefined ? { sessionTtlMs: options.sessionTtlMs } : {}),
    ...(options.sessionRetainMs !== undefined ? { sessionRetainMs: options.sessionRetainMs } : {}),
    onError: () => {},
    onMessage(envelope, session, socket) {
      const data = envelope.data as { n?: unknown; text?: unknown } | null;
      processed.push({
        connection: socket.id,
        principal: session.principal,
        session: session.id,
        seq: typeof envelope.meta?.seq === 'number' ? envelope.meta.seq : undefined,
        type: envelope.type,
        n: typeof data?.n === 'number' ? data.n : undefined,
        text: typeof data?.text === 'string' ? data.text : undefined,
        at: Date.now(),
      });
    },
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (type: string, body: string) => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (path === '/page.js') return send('text/javascript', page);
    if (path === '/') return send('text/html', PAGE);
    response.writeHead(404).end();
  });
  const server: OutboxServer = {
    url: '',
    processed,
    handshakes,
    offline: false,
    holdAcks: false,
    freezeAfter(n) {
      passing = n;
    },
    openCount: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        sessions.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };

  http.on('upgrade', (request: IncomingMessage, tcp: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user') ?? '';
    if (url.pathname !== '/ws' || user === '' || server.offline) return void tcp.destroy();
    wss.handleUpgrade(request, tcp, head, (ws) => {
      ws.on('error', () => {});
      open.add(ws);
      ws.on('close', () => open.delete(ws));
      const id = ++ids;
      let frozen = false;
      const freezeNow = (): boolean => {
        if (frozen || passing === null) return frozen;
        if (passing <= 0) frozen = true;
        return frozen;
      };
      let handshake: Handshake | undefined;
      // The session server sees the link through this: acks held, frames dropped once frozen.
      const link: SessionSocket & { readonly id: number } = {
        id,
        get readyState() {
          return ws.readyState;
        },
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        send(text: string) {
          if (freezeNow()) return;
          const type = typeOf(text);
          if (type === 'sockguard.ack' && server.holdAcks) return;
          if (type === 'sockguard.welcome' && handshake) {
            const welcome = (JSON.parse(text) as { data: NonNullable<Handshake['welcome']> }).data;
            handshake.welcome = {
              session: welcome.session,
              resumed: welcome.resumed,
              acked: welcome.acked,
              ...(welcome.reason !== undefined ? { reason: welcome.reason } : {}),
            };
          }
          ws.send(text);
        },
        close: (code?: number, reason?: string) => ws.close(code, reason),
        terminate: () => ws.terminate(),
        on(event: 'message' | 'close' | 'error', listener: (...args: never[]) => void) {
          if (event !== 'message') {
            ws.on(event, listener as () => void);
            return link;
          }
          ws.on('message', (raw, isBinary) => {
            if (freezeNow()) return;
            const text = String(raw);
            const type = typeOf(text);
            if (type === 'sockguard.hello') {
              const asked = (JSON.parse(text) as { data?: { session?: unknown } }).data?.session;
              handshake = {
                connection: id,
                principal: user,
                asked: typeof asked === 'string' ? asked : null,
              };
              handshakes.push(handshake);
            } else if (!type.startsWith('sockguard.') && passing !== null) passing -= 1;
            (listener as (data: unknown, isBinary: boolean) => void)(raw, isBinary);
          });
          return link;
        },
      };
      sessions.accept(link, { principal: user });
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(server, { url: `http://127.0.0.1:${port}/` });
}
