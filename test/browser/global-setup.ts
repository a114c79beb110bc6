import type { TestProject } from 'vitest/node';
import { type WebSocket, WebSocketServer } from 'ws';

declare module 'vitest' {
  export interface ProvidedContext {
    echoUrl: string;
  }
}

/**
 * A real `ws` server on 127.0.0.1 for native-WebSocket browser tests: it answers pings with pongs and
 * echoes every other frame back as `{type:'echo', data: <frame>}`.
 */
export default async function setup(project: TestProject) {
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
  project.provide('echoUrl', `ws://127.0.0.1:${address.port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
