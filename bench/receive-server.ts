/**
 * The server side of the receive benchmark, run in its own process so the client's CPU is measured
 * alone: a `ws` server on 127.0.0.1 port 0 that answers every `{"type":"go"}` envelope with COUNT
 * envelopes of about 100 bytes. It tells its parent the port over IPC and stops when the parent goes.
 *
 * `ws` does the handshake; the burst itself is written as pre-encoded WebSocket frames straight to
 * the TCP socket. `ws.send` per frame costs the server about as much CPU as the client spends
 * receiving, so on 2 cores the server would be the bottleneck and the figures would measure it.
 */
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { tickFrame } from './frames.js';

const COUNT = Number(process.env.BENCH_RECEIVE_COUNT ?? 200_000);

/** One unmasked server-to-client text frame (RFC 6455 section 5.2), payloads below 64 KB. */
function encodeFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

const burst = Buffer.concat(
  Array.from({ length: COUNT }, (_, i) => encodeFrame(tickFrame(i % 1000))),
);

/** The TCP socket under a `ws` WebSocket (a private field: this is a benchmark's load generator). */
const tcpOf = (socket: WebSocket): Socket => (socket as unknown as { _socket: Socket })._socket;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket) => {
  socket.on('error', () => {});
  socket.on('message', (raw) => {
    let type: unknown;
    try {
      type = (JSON.parse(String(raw)) as { type?: unknown }).type;
    } catch {
      return;
    }
    if (type === 'go') tcpOf(socket).write(burst);
  });
});
server.once('listening', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
});
