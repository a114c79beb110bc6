// The chat server the browser examples talk to in CI: `ws` plus sockguard/server, on 127.0.0.1 and
// a free port. It prints `{"port":N}` on its first stdout line; the test driver then steers it over
// HTTP on the same port:
//   POST /toast             every client gets error 4001 (recoverable: the app shows a toast)
//   POST /expire            every client gets error 4003 then close 4003 (fatal: the app redirects)
//   POST /broadcast?text=T  every client gets a chat message from `server` saying T
//   GET  /stats             {"connections":N,"open":N,"chats":[{"connection":id,"text":T},...]}
// `connections` counts every WebSocket ever accepted (ids 1, 2, ...), `open` those open now, and
// `chats` the `chat` messages clients sent, each with the id of the connection it came on (the
// last 1000), so the driver can tell one shared connection from one per tab, and a send that
// arrived twice from one that arrived once.
// Copied into each example by scripts/examples.mjs, so `ws` and `sockguard/server` resolve from the
// example's own node_modules (the installed tarball), never from the repo's.
import { createServer } from 'node:http';
import { closeWithError, sendEnvelope, sendError } from 'sockguard/server';
import { WebSocketServer } from 'ws';

const MAX_CHATS = 1000;

const http = createServer();
const wss = new WebSocketServer({ server: http });
let connections = 0;
const chats = [];

/** The text of a client's `chat` envelope, or undefined for anything else (a ping, junk). */
function chatText(raw) {
  try {
    const envelope = JSON.parse(String(raw));
    return envelope?.type === 'chat' && typeof envelope.data?.text === 'string'
      ? envelope.data.text
      : undefined;
  } catch {
    return undefined;
  }
}

wss.on('connection', (socket) => {
  connections += 1;
  const connection = connections;
  // Without an error listener a bad frame from a client would crash the server.
  socket.on('error', () => {});
  socket.on('message', (raw) => {
    if (String(raw) === '{"type":"ping"}') {
      sendEnvelope(socket, 'pong', undefined);
      return;
    }
    const text = chatText(raw);
    if (text === undefined) return;
    chats.push({ connection, text });
    if (chats.length > MAX_CHATS) chats.shift();
  });
  sendEnvelope(socket, 'chat', { user: 'server', text: 'welcome' });
});

const actions = {
  '/toast': () => (socket) => sendError(socket, 4001, 'Room not found'),
  '/expire': () => (socket) => closeWithError(socket, 4003, 'Token expired'),
  '/broadcast': (query) => {
    const text = query.get('text') ?? '';
    return (socket) => sendEnvelope(socket, 'chat', { user: 'server', text });
  },
};

http.on('request', (request, response) => {
  const { pathname, searchParams } = new URL(request.url ?? '/', 'http://x');
  const action = Object.hasOwn(actions, pathname) ? actions[pathname] : undefined;
  const open = [...wss.clients].filter((socket) => socket.readyState === 1);
  if (request.method === 'POST' && action) {
    const act = action(searchParams);
    for (const socket of open) act(socket);
  } else if (pathname !== '/stats') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ connections, open: open.length, chats }));
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
