/**
 * Receive throughput over a real `ws` server: 200,000 envelopes of about 100 bytes to one client.
 * Contenders, interleaved in one run (order rotated each round), medians of BENCH_ROUNDS rounds:
 * raw `ws` + JSON.parse (the limit), sockguard `createSocket` (envelope validation, heartbeat on with
 * its defaults, an `on('tick')` handler), the same with a zod/mini schema for `tick`, and partysocket
 * (its `WebSocket` option = `ws`) + JSON.parse. The server runs in a child process
 * (`receive-server.ts`), so the client's CPU time per message is its own.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket as PartySocket } from 'partysocket';
import { WebSocket } from 'ws';
import * as z from 'zod/mini';
import { createSocket, type WebSocketConstructor } from '../src/index.js';
import { validate } from '../src/validate/validate.js';
import { tickFrame } from './frames.js';
import { int, median, rotation } from './stats.js';

const COUNT = Number(process.env.BENCH_RECEIVE_COUNT ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GO = JSON.stringify({ type: 'go', data: null });

interface Run {
  /** Messages per second, from sending `go` to the last message handled. */
  readonly rate: number;
  /** Client CPU (user + system) per message, in microseconds. */
  readonly cpuUs: number;
}

/** What a contender does: connect, then call `start(onTick)` once open; `stop` closes. */
interface Client {
  opened: Promise<void>;
  /** Sends `go`; `onSeq` is called with each message's `data.seq`. */
  go(onSeq: (seq: number) => void): void;
  stop(): void;
}

type Contender = readonly [name: string, connect: (url: string) => Client];

const Ws = WebSocket as unknown as WebSocketConstructor;
const tickSchema = z.object({ seq: z.number(), room: z.string(), text: z.string() });

function raw(url: string): Client {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  return {
    opened: new Promise((resolve) => socket.once('open', () => resolve())),
    go(onSeq) {
      socket.on('message', (data) => {
        onSeq((JSON.parse(String(data)) as { data: { seq: number } }).data.seq);
      });
      socket.send(GO);
    },
    stop: () => socket.close(),
  };
}

function sockguard(withSchema: boolean) {
  return (url: string): Client => {
    const socket = createSocket({
      url,
      WebSocket: Ws,
      environment: false,
      ...(withSchema ? { schemas: validate({ tick: tickSchema }) } : {}),
    });
    return {
      opened: new Promise((resolve) => {
        const off = socket.subscribe(() => {
          if (socket.getSnapshot().status !== 'open') return;
          off();
          resolve();
        });
      }),
      go(onSeq) {
        socket.on('tick', (envelope) => onSeq((envelope.data as { seq: number }).seq));
        socket.send('go', null);
      },
      stop: () => socket.close(),
    };
  };
}

function partysocket(url: string): Client {
  const socket = new PartySocket(url, undefined, { WebSocket, maxRetries: 0 });
  return {
    opened: new Promise((resolve) => socket.addEventListener('open', () => resolve())),
    go(onSeq) {
      socket.addEventListener('message', (event) => {
        onSeq((JSON.parse(String(event.data)) as { data: { seq: number } }).data.seq);
      });
      socket.send(GO);
    },
    stop: () => socket.close(),
  };
}

const contenders: readonly Contender[] = [
  ['raw ws + JSON.parse', raw],
  ['sockguard createSocket', sockguard(false)],
  ['sockguard + zod/mini schema', sockguard(true)],
  ['partysocket + JSON.parse', partysocket],
];

async function measure(connect: (url: string) => Client, url: string, count: number): Promise<Run> {
  const client = connect(url);
  await client.opened;
  let received = 0;
  let sum = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    client.go((seq) => {
      sum += seq;
      if (++received === count) resolve();
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  client.stop();
  if (!(sum > 0)) throw new Error('receive: no data');
  return { rate: count / seconds, cpuUs: (used.user + used.system) / count };
}

/** Starts the server process; resolves with its URL and a stop function. */
async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = fork(fileURLToPath(new URL('./receive-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_RECEIVE_COUNT: String(COUNT) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`receive server exited with ${code}`)));
  });
  return { url: `ws://127.0.0.1:${port}`, stop: () => child.disconnect() };
}

export async function benchReceive(): Promise<string> {
  const server = await startServer();
  const runs = contenders.map(() => [] as Run[]);
  try {
    // Warm-up: every contender once, not counted (JIT, first connection).
    for (const [, connect] of contenders) await measure(connect, server.url, COUNT);
    for (let round = 0; round < ROUNDS; round++) {
      for (const index of rotation(contenders.length, round)) {
        const contender = contenders[index] as Contender;
        runs[index]?.push(await measure(contender[1], server.url, COUNT));
      }
    }
  } finally {
    server.stop();
  }
  const rates = runs.map((r) => median(r.map((run) => run.rate)));
  const cpus = runs.map((r) => median(r.map((run) => run.cpuUs)));
  const rawRate = rates[0] ?? Number.NaN;
  const rawCpu = cpus[0] ?? Number.NaN;
  console.log(
    `\nReceive throughput: ${int(COUNT)} envelopes of ~${tickFrame(1).length} bytes, server in a child process, ${ROUNDS} interleaved rounds, medians`,
  );
  console.log(`  ${'client'.padEnd(30)} ${'msg/s'.padStart(9)}  vs raw  CPU/msg  vs raw`);
  contenders.forEach(([name], i) => {
    const rate = rates[i] ?? Number.NaN;
    const cpu = cpus[i] ?? Number.NaN;
    console.log(
      `  ${name.padEnd(30)} ${int(rate).padStart(9)}  ${(rate / rawRate).toFixed(2)}x  ${cpu.toFixed(2).padStart(5)} µs  ${(cpu / rawCpu).toFixed(2)}x`,
    );
  });
  const ours = (rates[1] ?? 0) / rawRate;
  const party = (rates[3] ?? 0) / rawRate;
  const met = ours >= 0.9 && ours >= party ? 'met' : 'MISSED';
  return `receive: sockguard ${ours.toFixed(2)}x raw ws, partysocket ${party.toFixed(2)}x; CPU/msg sockguard ${((cpus[1] ?? 0) / rawCpu).toFixed(2)}x raw (target >= 0.9x and ahead of partysocket: ${met})`;
}
