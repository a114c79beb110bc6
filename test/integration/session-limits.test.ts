// @vitest-environment node
// What one client can make a sockguard/server process hold, measured: the four attacks of issue 19
// against a real `ws` server (ws's default 100 MiB maxPayload, as a server made without one has),
// each with the layer's default limits. The figures (peak heap over a baseline after a full GC,
// and the bytes the client got through) are printed; each test asserts the bound it proves.
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { parseFrame } from '../../src/protocol/envelope.js';
import {
  createMemoryHistory,
  createSessionServer,
  type HistoryStore,
  type Session,
  type SessionServer,
  type SessionServerOptions,
} from '../../src/server/index.js';
import { readInbound } from '../../src/server/session/inbound.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1_048_576;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Measures this process's memory from a full-GC baseline: `peak` samples every 5 ms (garbage
 * included), `retained` after a full GC at the moment the attack's state is still held. Heap: the
 * V8 heap; Buffers: memory outside it (what ws has read, and what it has not sent yet).
 */
function memoryProbe() {
  gc();
  const base = process.memoryUsage();
  const growth = (now: NodeJS.MemoryUsage) => ({
    heap: now.heapUsed - base.heapUsed,
    outside: now.external + now.arrayBuffers - base.external - base.arrayBuffers,
  });
  let heap = 0;
  let outside = 0;
  const sample = () => {
    const now = growth(process.memoryUsage());
    heap = Math.max(heap, now.heap);
    outside = Math.max(outside, now.outside);
  };
  const timer = setInterval(sample, 5);
  return {
    /** Stops sampling; GCs and reads what is still held. */
    stop() {
      sample();
      clearInterval(timer);
      gc();
      const held = growth(process.memoryUsage());
      return {
        peakHeapMB: mb(heap),
        peakBuffersMB: mb(outside),
        retainedMB: mb(Math.max(0, held.heap) + Math.max(0, held.outside)),
      };
    },
  };
}

let wss: WebSocketServer | undefined;
let layer: SessionServer<WebSocket> | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  layer?.close();
  layer = undefined;
  const server = wss;
  wss = undefined;
  // A connection the layer stopped reading waits for a close handshake it will never read.
  for (const socket of server?.clients ?? []) socket.terminate();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A real server with the layer's defaults and ws's default maxPayload (100 MiB). */
async function serve(options: Partial<SessionServerOptions<WebSocket>>) {
  const sessions = createSessionServer<WebSocket>({ onMessage: () => {}, ...options });
  layer = sessions;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss = server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const accepted: WebSocket[] = [];
  server.on('connection', (socket) => {
    accepted.push(socket);
    sessions.accept(socket, { principal: 'attacker' });
  });
  return { sessions, accepted, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * The attacking client, in its own process (its buffers must not count as the server's): says
 * hello, then per `mode` floods 1 MB frames before the welcome (`early`), floods 1 KB frames with
 * seqs after it for 3 s (`flood`), or stops reading after the welcome (`deaf`). It sends while its
 * own unsent bytes stay under 8 MB, and prints one JSON line of figures when it is done or closed.
 */
const ATTACKER = `
import WebSocket from 'ws';
const [url, mode] = process.argv.slice(1);
const socket = new WebSocket(url);
const MB = 1048576;
let sent = 0, frames = 0, closed, welcome;
const report = (extra = {}) => console.log(JSON.stringify({ sent, frames, closed, welcome, ...extra }));
socket.on('error', () => {});
socket.on('close', (code) => { closed = code; report(); process.exit(0); });
socket.on('message', (data) => {
  const frame = JSON.parse(String(data));
  if (frame.type === 'sockguard.welcome') { welcome = frame.data.session; start(); }
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function pump(next, seconds, total) {
  const end = Date.now() + seconds * 1000;
  while (closed === undefined && Date.now() < end && sent < total) {
    if (socket.bufferedAmount > 8 * MB) { await sleep(1); continue; }
    const text = next();
    socket.send(text);
    sent += text.length;
    frames++;
  }
  report({ done: true });
}
let started = false;
function start() {
  if (started) return;
  started = true;
  if (mode === 'flood') {
    const padding = 'y'.repeat(1000);
    void pump(() => JSON.stringify({ type: 'chat', data: padding, meta: { seq: frames + 1 } }), 3, Infinity);
  } else if (mode === 'deaf') {
    socket._socket.pause();
    setInterval(() => {}, 1000); // a socket that reads nothing does not keep the process alive
    report({ deaf: true });
  }
}
socket.on('open', () => {
  socket.send(JSON.stringify({ type: 'sockguard.hello', data: { v: 1, session: null, last_seq: 0 }, meta: { request_id: 'h' } }));
  if (mode === 'early') {
    const frame = JSON.stringify({ type: 'chat', data: 'x'.repeat(1000000) });
    void pump(() => frame, 60, 256 * MB);
  }
});
`;

interface AttackReport {
  sent: number;
  frames: number;
  closed?: number;
  welcome?: string;
  done?: boolean;
  deaf?: boolean;
}

/** Starts the attacker; `reports` fills with its JSON lines. */
function attack(url: string, mode: 'early' | 'flood' | 'deaf') {
  const child = spawn(process.execPath, ['--input-type=module', '-e', ATTACKER, url, mode], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const reports: AttackReport[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += String(chunk);
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      reports.push(JSON.parse(buffer.slice(0, at)) as AttackReport);
      buffer = buffer.slice(at + 1);
    }
  });
  return { child, reports, last: () => reports.at(-1) };
}

const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
};

describe('memory one client can make the server hold, with the default limits', () => {
  it('256 MB sent before the welcome with a slow store: the backlog stays within maxBacklogBytes (1 MiB), the connection is closed with 1008', async () => {
    const memory = createMemoryHistory();
    const slow: HistoryStore = {
      ...memory,
      create: (id, owner, binding) =>
        new Promise((resolve) => {
          setTimeout(() => resolve(memory.create(id, owner, binding)), 20_000).unref();
        }),
    };
    const { url, accepted } = await serve({ history: slow });
    const probe = memoryProbe();
    attack(url, 'early');
    await until(() => accepted.length === 1, 5000);
    const server = accepted[0] as WebSocket;
    let received = 0;
    server.on('message', (data: Buffer) => {
      received += data.length;
    });
    let closedWith: number | undefined;
    const close = server.close.bind(server);
    server.close = (code?: number, reason?: string | Buffer) => {
      closedWith ??= code;
      close(code, reason);
    };
    await until(() => closedWith !== undefined || received >= 255 * MB, 30_000);
    await sleep(500); // what was already on its way
    // The welcome is still not out: whatever the layer kept of the flood, it holds it now.
    const figures = probe.stop();
    console.log(
      `\npre-welcome flood (256 MB in 1 MB frames), slow store: the server read ${mb(received)} MB before it closed with ${closedWith} and stopped reading; server: peak heap +${figures.peakHeapMB} MB, peak Buffers +${figures.peakBuffersMB} MB, retained ${figures.retainedMB} MB`,
    );
    expect(closedWith).toBe(1008);
    expect(received).toBeLessThan(16 * MB);
    // The process's figure, and other test files run beside this one (8.1 MB seen once in CI):
    // 16 MB keeps the claim, since the flood it refuses held 262 MB before the limit.
    expect(figures.retainedMB).toBeLessThan(16);
    expect(figures.peakHeapMB).toBeLessThan(32);
  }, 60_000);

  it('a flood against a 20 ms async handler: the socket is paused past maxQueuedFrames (1000), the queue and the heap stay bounded', async () => {
    let handled = 0;
    let paused = 0;
    const { url, accepted } = await serve({
      onMessage: async () => {
        await sleep(20);
        handled++;
      },
    });
    const client = attack(url, 'flood');
    await until(() => accepted.length === 1, 5000);
    const server = accepted[0] as WebSocket;
    const pause = server.pause.bind(server);
    server.pause = () => {
      paused++;
      pause();
    };
    const probe = memoryProbe();
    await until(() => client.last()?.done === true || client.last()?.closed !== undefined, 10_000);
    const figures = probe.stop();
    const report = client.last();
    console.log(
      `\nflood against a 20 ms handler for 3 s: the client wrote ${report?.frames} frames (${mb(report?.sent ?? 0)} MB), ${handled} handled, the socket paused ${paused} time(s); server: peak heap +${figures.peakHeapMB} MB, peak Buffers +${figures.peakBuffersMB} MB, retained ${figures.retainedMB} MB`,
    );
    expect(paused).toBeGreaterThan(0);
    expect(report?.closed).toBeUndefined(); // paused, not closed: a slow handler is not the client's fault
    expect(figures.retainedMB).toBeLessThan(16);
    expect(figures.peakHeapMB).toBeLessThan(48);
  }, 30_000);

  it('a client that stops reading: closed as a slow consumer once maxBufferedBytes (4 MiB) is unsent, its session kept for the resume', async () => {
    const { url, accepted, sessions } = await serve({});
    const client = attack(url, 'deaf');
    await until(() => client.last()?.deaf === true, 5000);
    const id = client.last()?.welcome as string;
    const server = accepted[0] as WebSocket;
    const session = sessions.get(id) as Session;
    const probe = memoryProbe();
    const push = JSON.stringify({ text: 'z'.repeat(4000) });
    let pushed = 0;
    let buffered = 0;
    const started = Date.now();
    while (
      Date.now() - started < 4000 &&
      pushed < 64 * MB &&
      server.readyState === WebSocket.OPEN
    ) {
      for (let i = 0; i < 50; i++) await session.send('news', push);
      pushed += 50 * push.length;
      buffered = Math.max(buffered, server.bufferedAmount);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const figures = probe.stop();
    console.log(
      `\nclient that stops reading: the server pushed ${mb(pushed)} MB, peak unsent ${mb(buffered)} MB, then the connection was ${server.readyState === WebSocket.OPEN ? 'still open' : 'closed'}; server: peak heap +${figures.peakHeapMB} MB, peak Buffers +${figures.peakBuffersMB} MB, retained ${figures.retainedMB} MB`,
    );
    expect(server.readyState).not.toBe(WebSocket.OPEN);
    expect(buffered).toBeLessThanOrEqual(4 * MB + push.length + 100);
    expect(figures.retainedMB).toBeLessThan(8);
    expect(sessions.get(id)).toBe(session); // kept for its resume
  }, 30_000);

  it('an 800 KB frame nested 400,000 deep costs less to refuse than a flat frame of the same size costs to read', async () => {
    const deep = Buffer.from(`${'['.repeat(400_000)}${']'.repeat(400_000)}`);
    const flat = Buffer.from(`{"type":"t","data":[${'1,'.repeat(399_999)}1]}`);
    const read = { parse: {}, maxFrameBytes: MB };
    const time = (buffer: Buffer) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        readInbound(buffer, false, read);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[3] as number;
    };
    time(flat);
    const probe = memoryProbe();
    const deepMs = time(deep);
    const figures = probe.stop();
    const flatMs = time(flat);
    expect(readInbound(deep, false, read)).toMatchObject({ ok: false });
    expect(parseFrame(deep.toString())).toMatchObject({ cause: 'nested deeper than 64' });
    // And over a real socket: answered with error 4000, the connection kept.
    const { url } = await serve({});
    const client = new WebSocket(url);
    const frames: unknown[] = [];
    client.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => client.once('open', resolve));
    client.send(deep);
    await until(() => frames.length > 0, 2000);
    client.terminate();
    console.log(
      `\n800 KB nested 400,000 deep: ${deepMs.toFixed(3)} ms to refuse (decode and scan), a flat 800 KB frame ${flatMs.toFixed(3)} ms to read (${(deepMs / flatMs).toFixed(3)}x); peak heap while refusing +${figures.peakHeapMB} MB`,
    );
    expect(frames[0]).toMatchObject({ type: 'error', data: { code: 4000 } });
    expect(deepMs).toBeLessThan(flatMs);
  }, 30_000);
});
