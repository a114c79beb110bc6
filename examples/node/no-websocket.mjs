// Node 20 has no global WebSocket and sockguard never imports `ws` by itself (even though it is
// installed here for with-ws.mjs): without `options.WebSocket` the socket fails at once with a
// fatal `no_websocket` fault whose message says what to pass.
import { createSocket } from 'sockguard';

if (typeof globalThis.WebSocket === 'function') {
  // Node 22+ has one: take it away to see what Node 20 users see.
  console.log(`Node ${process.version} has a global WebSocket; removing it for this check`);
  delete globalThis.WebSocket;
}

const socket = createSocket({ url: 'ws://127.0.0.1:9/never-dialled' });
const deadline = setTimeout(() => {
  console.error(`no fault within 5 s; status ${socket.getSnapshot().status}`);
  process.exit(1);
}, 5000);

function check() {
  const snapshot = socket.getSnapshot();
  if (snapshot.status !== 'failed') return false;
  const { code, severity, message } = snapshot.fault;
  console.log(JSON.stringify({ status: snapshot.status, code, severity, message }));
  const problems = [];
  if (code !== 'no_websocket') problems.push(`code is ${JSON.stringify(code)}, not "no_websocket"`);
  if (severity !== 'fatal') problems.push(`severity is ${severity}, not fatal`);
  if (!/\bws\b/.test(message) || !/WebSocket/.test(message)) {
    problems.push('the message does not name the fix (pass `WebSocket` from the `ws` package)');
  }
  if (problems.length > 0) {
    console.error(`FAIL: ${problems.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('ok: fatal no_websocket fault that names the fix');
  }
  clearTimeout(deadline);
  socket.close();
  return true;
}

if (!check()) {
  const stop = socket.subscribe(() => {
    if (check()) stop();
  });
}
