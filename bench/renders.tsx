/**
 * React renders: MESSAGES envelopes from a real `ws` server into two components sharing one
 * connection, in happy-dom: a status-only component and a message-handler component. Counts the
 * commits of each (React Profiler) while the messages arrive, and the wall time until the handler
 * has seen them all. sockguard (`useSocket` / `useSocketMessage` under a `SocketProvider`) against
 * react-use-websocket (`useWebSocket(url, { share: true })`, idiomatic, and with `filter: () => false`,
 * its documented way to opt out of re-renders). React runs its development build here (the
 * Profiler reports nothing in production builds), so wall times are higher than in an app.
 */
import type { AddressInfo } from 'node:net';
import { Profiler, type ReactNode } from 'react';
import { WebSocket, WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { WebSocketConstructor } from '../src/index.js';
import {
  createReactSocketRegistry,
  SocketProvider,
  useSocket,
  useSocketMessage,
} from '../src/react/index.js';
import { installDom } from './dom.js';
import { tickFrame } from './frames.js';
import { int, median, rotation, sleep } from './stats.js';

const MESSAGES = Number(process.env.BENCH_RENDER_MESSAGES ?? 5000);
const ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 3);
/** Messages per server write burst; bursts go out on separate event-loop turns. */
const BURST = 10;

/** What the components report, reset before each run. */
interface Probe {
  statusCommits: number;
  handlerCommits: number;
  seen: number;
  open: boolean;
  done: () => void;
}

interface Result {
  readonly statusMount: number;
  readonly status: number;
  readonly handler: number;
  readonly seen: number;
  readonly wallMs: number;
}

type UseWebSocket = (
  url: string,
  options: { share: boolean; onMessage?: () => void; filter?: () => boolean },
) => { readyState: number };

type Contender = readonly [name: string, app: (url: string, probe: Probe) => ReactNode];

async function startServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const clients = new Set<WsSocket>();
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
  });
  const frames = Array.from({ length: MESSAGES }, (_, i) => tickFrame(i));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clients,
    /** Sends every frame to every client, BURST at a time, one burst per event-loop turn. */
    async burst() {
      for (let i = 0; i < frames.length; i += BURST) {
        for (const client of clients)
          for (const frame of frames.slice(i, i + BURST)) client.send(frame);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`renders: timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface Props {
  readonly probe: Probe;
}
interface RwsProps extends Props {
  readonly url: string;
  readonly filtered: boolean;
}

/** react-use-websocket loads react-dom, which must come after the DOM: set in `benchRenders`. */
let rwsHook: UseWebSocket | null = null;
function useWebSocket(...args: Parameters<UseWebSocket>): ReturnType<UseWebSocket> {
  if (!rwsHook) throw new Error('renders: react-use-websocket is not loaded');
  return rwsHook(...args);
}

function SockguardStatus({ probe }: Props) {
  const { status } = useSocket();
  if (status === 'open') probe.open = true;
  return <p>{status}</p>;
}

function SockguardHandler({ probe }: Props) {
  useSocketMessage('tick', () => {
    if (++probe.seen === MESSAGES) probe.done();
  });
  return null;
}

function RwsStatus({ probe, url, filtered }: RwsProps) {
  const { readyState } = useWebSocket(url, {
    share: true,
    ...(filtered ? { filter: () => false } : {}),
  });
  if (readyState === 1) probe.open = true;
  return <p>{readyState}</p>;
}

function RwsHandler({ probe, url, filtered }: RwsProps) {
  useWebSocket(url, {
    share: true,
    ...(filtered ? { filter: () => false } : {}),
    onMessage: () => {
      if (++probe.seen === MESSAGES) probe.done();
    },
  });
  return null;
}

function sockguardApp(url: string, probe: Probe): ReactNode {
  const options = {
    url,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    environment: false as const,
  };
  return (
    <SocketProvider options={options} registry={createReactSocketRegistry(0)}>
      <Profiler id="status" onRender={() => probe.statusCommits++}>
        <SockguardStatus probe={probe} />
      </Profiler>
      <Profiler id="handler" onRender={() => probe.handlerCommits++}>
        <SockguardHandler probe={probe} />
      </Profiler>
    </SocketProvider>
  );
}

function rwsApp(filtered: boolean) {
  return (url: string, probe: Probe): ReactNode => (
    <>
      <Profiler id="status" onRender={() => probe.statusCommits++}>
        <RwsStatus probe={probe} url={url} filtered={filtered} />
      </Profiler>
      <Profiler id="handler" onRender={() => probe.handlerCommits++}>
        <RwsHandler probe={probe} url={url} filtered={filtered} />
      </Profiler>
    </>
  );
}

export async function benchRenders(): Promise<string> {
  const uninstall = installDom();
  const savedWebSocket = Reflect.get(globalThis, 'WebSocket');
  // react-use-websocket uses the global WebSocket; sockguard is given the same class explicitly.
  Reflect.set(globalThis, 'WebSocket', WebSocket);
  const server = await startServer();
  try {
    const { createRoot } = await import('react-dom/client');
    const rws = (await import('react-use-websocket')) as unknown as {
      default: UseWebSocket | { default: UseWebSocket };
    };
    rwsHook = typeof rws.default === 'function' ? rws.default : rws.default.default;
    const contenders: Contender[] = [
      ['sockguard', sockguardApp],
      ['react-use-websocket', rwsApp(false)],
      ['react-use-websocket, filter: () => false', rwsApp(true)],
    ];

    const runOnce = async ([, app]: Contender): Promise<Result> => {
      let done = () => {};
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const probe: Probe = { statusCommits: 0, handlerCommits: 0, seen: 0, open: false, done };
      const container = document.createElement('div');
      const root = createRoot(container);
      root.render(app(server.url, probe));
      await until(() => probe.open && server.clients.size === 1, 'the connection');
      await sleep(50);
      const statusMount = probe.statusCommits;
      probe.statusCommits = 0;
      probe.handlerCommits = 0;
      const started = performance.now();
      await server.burst();
      await finished;
      const wallMs = performance.now() - started;
      await sleep(100); // renders React still had scheduled
      const result = {
        statusMount,
        status: probe.statusCommits,
        handler: probe.handlerCommits,
        seen: probe.seen,
        wallMs,
      };
      root.unmount();
      await until(() => server.clients.size === 0, 'the socket to close');
      return result;
    };

    const results = contenders.map(() => [] as Result[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const index of rotation(contenders.length, round)) {
        results[index]?.push(await runOnce(contenders[index] as Contender));
      }
    }
    console.log(
      `\nReact renders: ${int(MESSAGES)} messages (bursts of ${BURST}) into a status component and a handler component sharing one socket, happy-dom, React dev build, ${ROUNDS} rounds, medians`,
    );
    console.log(
      `  ${'hooks'.padEnd(42)} ${'status'.padStart(7)} ${'handler'.padStart(8)} ${'handled'.padStart(8)} ${'wall'.padStart(9)}   (commits while the messages arrive; status mount commits)`,
    );
    const rows = results.map((runs) => ({
      status: median(runs.map((r) => r.status)),
      handler: median(runs.map((r) => r.handler)),
      seen: Math.min(...runs.map((r) => r.seen)),
      wallMs: median(runs.map((r) => r.wallMs)),
      mount: median(runs.map((r) => r.statusMount)),
    }));
    contenders.forEach(([name], i) => {
      const row = rows[i];
      if (!row) return;
      console.log(
        `  ${name.padEnd(42)} ${int(row.status).padStart(7)} ${int(row.handler).padStart(8)} ${int(row.seen).padStart(8)} ${`${row.wallMs.toFixed(0)} ms`.padStart(9)}   (${row.mount})`,
      );
    });
    const ours = rows[0];
    const theirs = rows[1];
    if (!ours || !theirs) throw new Error('renders: no results');
    const met = ours.status <= 1 && ours.handler === 0 ? 'met' : 'MISSED';
    return `renders: sockguard status ${ours.status}, handler ${ours.handler} commits for ${int(MESSAGES)} messages (${ours.wallMs.toFixed(0)} ms); react-use-websocket ${int(theirs.status)} and ${int(theirs.handler)} (${theirs.wallMs.toFixed(0)} ms) (target <= 1 and 0: ${met})`;
  } finally {
    await server.close();
    Reflect.set(globalThis, 'WebSocket', savedWebSocket);
    await uninstall();
  }
}
