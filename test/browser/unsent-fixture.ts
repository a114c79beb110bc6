/**
 * Node side of the "frames that never left" browser test: a real `ws` server that logs, per
 * connection, the number of every message it received, behind a TCP proxy on 127.0.0.1 that the
 * page drives over HTTP. `pause` stops reading from the browser (TCP backpressure then fills
 * Chromium's buffers until `bufferedAmount` grows); `kill` resets the browser side (RST), as a
 * network that dies does. A new link is forwarded normally.
 */
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

/** What the page reads back from `GET /log`. */
export interface UnsentLog {
  /** Links the proxy accepted since the last reset. */
  readonly accepted: number;
  /** Per WebSocket connection the server saw, in order: the `data.i` of each message, as received. */
  readonly connections: ReadonlyArray<{ readonly ids: readonly number[]; readonly bytes: number }>;
  /** Bytes the proxy forwarded from the browser on each link. */
  readonly forwarded: readonly number[];
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  forwarded: number;
}

export interface UnsentFixture {
  /** `ws://127.0.0.1:<proxy port>`: what the page connects to. */
  readonly proxyUrl: string;
  /** `http://127.0.0.1:<port>`: `POST /reset`, `POST /pause`, `POST /kill`, `GET /log`. */
  readonly controlUrl: string;
  close(): Promise<void>;
}

const listen = (server: Server | ReturnType<typeof createHttpServer>) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });

export async function startUnsentFixture(): Promise<UnsentFixture> {
  let connections: Array<{ ids: number[]; bytes: number }> = [];
  // No compression: padding that deflates to nothing would never back up the link.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const wsAddress = wss.address();
  if (typeof wsAddress === 'string' || wsAddress === null) throw new Error('ws server has no port');
  wss.on('connection', (socket) => {
    const log = { ids: [] as number[], bytes: 0 };
    connections.push(log);
    // Without a listener a bad frame (a link cut mid-frame) would crash the test process.
    socket.on('error', () => {});
    socket.on('message', (raw: Buffer) => {
      log.bytes += raw.length;
      const envelope = JSON.parse(raw.toString()) as { data?: { i?: unknown } };
      log.ids.push(typeof envelope.data?.i === 'number' ? envelope.data.i : -1);
    });
  });

  let links: Link[] = [];
  let accepted = 0;
  const proxy = createTcpServer((client) => {
    accepted += 1;
    client.on('error', () => {});
    // Nothing is read from the browser until the server side is there to take it.
    client.pause();
    const upstream = new Socket();
    upstream.on('error', () => client.destroy());
    const link: Link = { client, upstream, forwarded: 0 };
    links.push(link);
    upstream.connect(wsAddress.port, '127.0.0.1', () => {
      client.on('data', (chunk: Buffer) => {
        link.forwarded += chunk.length;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('close', () => upstream.end());
      upstream.on('close', () => client.destroy());
      client.resume();
    });
  });
  const proxyPort = await listen(proxy);

  const current = (): Link | undefined => links.at(-1);
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      // The page is served by Vitest from another origin.
      'access-control-allow-origin': '*',
    });
    res.end(JSON.stringify(body));
  };
  const control = createHttpServer((req, res) => {
    const route = `${req.method} ${req.url}`;
    if (route === 'POST /reset') {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      links = [];
      connections = [];
      accepted = 0;
      return reply(res, 200, {});
    }
    const link = current();
    if (route === 'POST /pause') {
      if (!link) return reply(res, 409, { error: 'no link' });
      // Stops reading: the kernel buffers fill, then TCP's window closes on Chromium.
      link.client.pause();
      return reply(res, 200, { forwarded: link.forwarded });
    }
    if (route === 'POST /kill') {
      if (!link) return reply(res, 409, { error: 'no link' });
      // RST to the browser (unread bytes in the proxy's buffer are dropped, as a dead network
      // drops them); the server side gets what was already forwarded, then an end.
      link.client.resetAndDestroy();
      link.upstream.end();
      return reply(res, 200, { forwarded: link.forwarded });
    }
    if (route === 'GET /log') {
      const log: UnsentLog = {
        accepted,
        connections,
        forwarded: links.map((l) => l.forwarded),
      };
      return reply(res, 200, log);
    }
    reply(res, 404, { error: `unknown route ${route}` });
  });
  const controlPort = await listen(control);

  return {
    proxyUrl: `ws://127.0.0.1:${proxyPort}`,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      // The page's fetches keep idle HTTP connections that would hold `close` open.
      control.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => proxy.close(() => resolve())),
        new Promise<void>((resolve) => control.close(() => resolve())),
        new Promise<void>((resolve) => wss.close(() => resolve())),
      ]);
    },
  };
}
