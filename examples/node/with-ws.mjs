// The same client with `ws` passed as its WebSocket: it connects to a local server (made with
// sockguard/server) and receives a message.
import { createSocket } from 'sockguard';
import { sendEnvelope } from 'sockguard/server';
import WebSocket, { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((resolve) => server.once('listening', resolve));
server.on('connection', (peer) => {
  peer.on('error', () => {});
  sendEnvelope(peer, 'chat', { user: 'server', text: 'hello from ws' });
});
const { port } = server.address();

const socket = createSocket({ url: `ws://127.0.0.1:${port}`, WebSocket });
const deadline = setTimeout(
  () => finish(`no message within 5 s; status ${socket.getSnapshot().status}`),
  5000,
);

socket.on('chat', (envelope) => {
  console.log(`received ${JSON.stringify(envelope.data)} while ${socket.getSnapshot().status}`);
  finish(envelope.data?.text === 'hello from ws' ? null : 'unexpected message');
});

function finish(problem) {
  clearTimeout(deadline);
  socket.close();
  server.close();
  for (const peer of server.clients) peer.terminate();
  if (problem) {
    console.error(`FAIL: ${problem}`);
    process.exitCode = 1;
  } else {
    console.log('ok: connected with ws and received the message');
  }
}
