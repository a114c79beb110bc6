// The chat server the browser examples talk to in CI: `ws` plus sockguard/server, on 127.0.0.1 and
// a free port. It prints `{"port":N}` on its first stdout line; the test driver then steers it over
// HTTP on the same port:
//   POST /toast   every client gets error 4001 (recoverable: the app shows a toast)
//   POST /expire  every client gets error 4003 then close 4003 (fatal: the app redirects to login)
//   GET  /stats   {"connections":N,"open":N}
// Copied into each example by scripts/examples.mjs, so `ws` and `sockguard/server` resolve from the
// example's own node_modules (the installed tarball), never from the repo's.
import { createServer } from 'node:http';
import { closeWithError, sendEnvelope, sendError } from 'sockguard/server';
import { WebSocketServer } from 'ws';

const http = createServer();
const wss = new WebSocketServer({ server: http });
let connections = 0;

wss.on('connection', (socket) => {
  connections += 1;
  // Without an error listener a bad frame from a client would crash the server.
  socket.on('error', () => {});
  socket.on('message', (raw) => {
    if (String(raw) === '{"type":"ping"}') sendEnvelope(socket, 'pong', undefined);
  });
  sendEnvelope(socket, 'chat', { user: 'server', text: 'welcome' });
});

const actions = {
  '/toast': (socket) => sendError(socket, 4001, 'Room not found'),
  '/expire': (socket) => closeWithError(socket, 4003, 'Token expired'),
};

http.on('request', (request, response) => {
  const action = actions[request.url ?? ''];
  const open = [...wss.clients].filter((socket) => socket.readyState === 1);
  if (request.method === 'POST' && action) {
    for (const socket of open) action(socket);
  } else if (request.url !== '/stats') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ connections, open: open.length }));
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});

// The driver ends this process with SIGTERM; close cleanly so no socket is left half-open.
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  http.close(() => process.exit(0));
});
