/**
 * What delivery (acknowledged sends, numbered server pushes) costs, beside raw `ws` and
 * socket.io's acknowledged emits. One run, the server in a child process (`delivery-server.ts`),
 * contenders interleaved (order rotated each round), medians of BENCH_ROUNDS rounds:
 *
 * - Receive: COUNT server pushes of the same bytes (each with `meta.seq`) to raw `ws` + JSON.parse,
 *   `createSocket` against a plain server (delivery off), and `createSocket` with `delivery()`
 *   against `createSessionServer`, which numbered every push with `session.send`.
 * - Send: SEND_COUNT `msg` envelopes, timed from the first send until the server has processed
 *   them all and, for acknowledged modes, every receipt or ack callback has settled: raw `ws`,
 *   `createSocket` (off, plain server), `createSocket` + `delivery()` (every receipt resolved),
 *   socket.io-client with `retries` + `ackTimeout`, and socket.io-client acks without retries.
 * - Ack traffic: `sockguard.ack` frames the session server wrote per message, in the full-speed
 *   send runs and at a few steady rates.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Socket as IoSocket, io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { deliveryOf } from '../src/delivery/plugin.js';
import { createSocket, delivery, type Socket, type WebSocketConstructor } from '../src/index.js';
import { request } from '../src/request/request.js';
import { int, median, rotation, sleep } from './stats.js';

const COUNT = Number(process.env.BENCH_DELIVERY_RECEIVE_COUNT ?? 200_000);
const SEND_COUNT = Number(process.env.BENCH_DELIVERY_SEND_COUNT ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Steady send rates (msg/s) at which ack frames are counted, each for PACED_MS. */
const PACED_RATES = [1000, 5000, 20_000] as const;
const PACED_MS = 1000;

const Ws = WebSocket as unknown as WebSocketConstructor;
const envelope = (type: string, data: unknown = null) => JSON.stringify({ type, data });
const msgData = (i: number) => ({ seq: i, room: 'general', text: 'hello' });

interface Ports {
  readonly receivePlain: number;
  readonly receiveSession: number;
  readonly sendPlain: number;
  readonly sendSession: number;
  readonly socketio: number;
}

interface Run {
  /** Messages per second. */
  readonly rate: number;
  /** Client CPU (user + system) per message, in microseconds. */
  readonly cpuUs: number;
}

/** Times `work` (which handles `count` messages) for rate and client CPU. */
async function timed(count: number, work: () => Promise<void>): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: count / seconds, cpuUs: (used.user + used.system) / count };
}

const url = (port: number) => `ws://127.0.0.1:${port}`;

// --- sockguard clients ----------------------------------------------------------------------

/** A sockguard socket, resolved once it can send: open, and with delivery once the welcome came. */
async function sockguard(port: number, withDelivery: boolean): Promise<Socket> {
  const socket = createSocket({
    url: url(port),
    WebSocket: Ws,
    environment: false,
    // Every send of the burst is kept until acknowledged: room for all of them (the default
    // bound, 10,000, would refuse the rest with queue_overflow).
    ...(withDelivery ? { delivery: delivery({ maxUnacked: SEND_COUNT }) } : {}),
  });
  const ready = () =>
    socket.getSnapshot().status === 'open' &&
    (!withDelivery || deliveryOf(socket).getSnapshot().mode === 'on');
  await new Promise<void>((resolve) => {
    const check = () => {
      if (!ready()) return;
      offStatus();
      offDelivery();
      resolve();
    };
    const offStatus = socket.subscribe(check);
    const offDelivery = deliveryOf(socket).subscribe(check);
    check();
  });
  if (withDelivery && deliveryOf(socket).getSnapshot().mode !== 'on') {
    throw new Error('delivery: the session server did not welcome the client');
  }
  return socket;
}

// --- receive ----------------------------------------------------------------------------------

/** One receive contender: connect and prime, then `go` until COUNT pushes were handled. */
interface Receiver {
  /** Asks the server to prepare the burst; resolves with the server's numbering time in ms. */
  prime(): Promise<number>;
  go(onSeq: (seq: number) => void): void;
  stop(): void;
}

async function rawReceiver(port: number): Promise<Receiver> {
  const socket = new WebSocket(url(port));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('open', resolve));
  let onTick: ((seq: number) => void) | null = null;
  let onPrimed: ((ms: number) => void) | null = null;
  socket.on('message', (raw) => {
    const parsed = JSON.parse(String(raw)) as { type: string; data: { seq: number; ms: number } };
    if (parsed.type === 'tick') onTick?.(parsed.data.seq);
    else if (parsed.type === 'primed') onPrimed?.(parsed.data.ms);
  });
  return {
    prime() {
      socket.send(envelope('prime'));
      return new Promise((resolve) => {
        onPrimed = resolve;
      });
    },
    go(onSeq) {
      onTick = onSeq;
      socket.send(envelope('go'));
    },
    stop: () => socket.close(),
  };
}

function sockguardReceiver(withDelivery: boolean) {
  return async (port: number): Promise<Receiver> => {
    const socket = await sockguard(port, withDelivery);
    return {
      prime() {
        const primed = new Promise<number>((resolve) => {
          const off = socket.on('primed', (e) => {
            off();
            resolve((e.data as { ms: number }).ms);
          });
        });
        socket.send('prime', null);
        return primed;
      },
      go(onSeq) {
        socket.on('tick', (e) => onSeq((e.data as { seq: number }).seq));
        socket.send('go', null);
      },
      stop: () => socket.close(),
    };
  };
}

type ReceiveContender = readonly [name: string, port: keyof Ports, connect: typeof rawReceiver];

const receivers: readonly ReceiveContender[] = [
  ['raw ws + JSON.parse', 'receivePlain', rawReceiver],
  ['sockguard, delivery off', 'receivePlain', sockguardReceiver(false)],
  ['sockguard, delivery on', 'receiveSession', sockguardReceiver(true)],
];

/** Server-side `session.send` numbering times (ms per COUNT pushes), from every primed burst. */
const numberingMs: number[] = [];

async function measureReceive(contender: ReceiveContender, ports: Ports): Promise<Run> {
  const [, port, connect] = contender;
  const client = await connect(ports[port]);
  const ms = await client.prime();
  if (port === 'receiveSession') numberingMs.push(ms);
  let received = 0;
  let sum = 0;
  const run = await timed(COUNT, () => {
    return new Promise<void>((resolve) => {
      client.go((seq) => {
        sum += seq;
        if (++received === COUNT) resolve();
      });
    });
  });
  client.stop();
  if (!(sum > 0)) throw new Error('delivery receive: no data');
  return run;
}

// --- send ------------------------------------------------------------------------------------

/** One send contender: `run` sends SEND_COUNT messages and resolves once all are settled. */
interface Sender {
  run(): Promise<void>;
  stop(): void;
}

async function rawSender(port: number): Promise<Sender> {
  const socket = new WebSocket(url(port));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('open', resolve));
  return {
    run() {
      const done = new Promise<void>((resolve) => {
        socket.on('message', (raw) => {
          if ((JSON.parse(String(raw)) as { type: string }).type === 'done') resolve();
        });
      });
      for (let i = 0; i < SEND_COUNT; i++) socket.send(envelope('msg', msgData(i)));
      return done;
    },
    stop: () => socket.close(),
  };
}

function sockguardSender(withDelivery: boolean) {
  return async (port: number): Promise<Sender> => {
    const socket = await sockguard(port, withDelivery);
    return {
      async run() {
        const done = new Promise<void>((resolve) => {
          const off = socket.on('done', () => {
            off();
            resolve();
          });
        });
        const receipts: Promise<unknown>[] = [];
        for (let i = 0; i < SEND_COUNT; i++) {
          const result = socket.send('msg', msgData(i));
          if (result.status === 'rejected') throw new Error(`send rejected: ${result.fault.code}`);
          if (withDelivery) {
            if (!result.delivered) throw new Error('delivery on, but no receipt');
            receipts.push(result.delivered);
          }
        }
        await done;
        await Promise.all(receipts);
      },
      stop: () => socket.close(),
    };
  };
}

function socketIoSender(retries: boolean) {
  return async (port: number): Promise<Sender> => {
    const socket: IoSocket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      ...(retries ? { retries: 3, ackTimeout: 10_000 } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return {
      run() {
        return new Promise<void>((resolve, reject) => {
          let acked = 0;
          const onAck = (error?: unknown) => {
            // With `retries`, the first ack argument is the error (null when acknowledged).
            if (retries && error) reject(error instanceof Error ? error : new Error(String(error)));
            else if (++acked === SEND_COUNT) resolve();
          };
          for (let i = 0; i < SEND_COUNT; i++) socket.emit('msg', msgData(i), onAck);
        });
      },
      stop: () => socket.close(),
    };
  };
}

type SendContender = readonly [
  name: string,
  port: keyof Ports,
  connect: (port: number) => Promise<Sender>,
];

const senders: readonly SendContender[] = [
  ['raw ws', 'sendPlain', rawSender],
  ['sockguard, delivery off', 'sendPlain', sockguardSender(false)],
  ['sockguard, delivery on (receipts)', 'sendSession', sockguardSender(true)],
  ['socket.io, retries + ackTimeout', 'socketio', socketIoSender(true)],
  ['socket.io, acks, no retries', 'socketio', socketIoSender(false)],
];
const DELIVERY_SENDER = 2;
const SOCKET_IO_RETRIES = 3;

/** The session server's ack count for this socket's session (a request, after the run). */
async function acksOf(socket: Socket): Promise<{ acks: number; processed: number }> {
  const reply = await request(socket, 'stats', null, { timeoutMs: 5000 });
  return reply.data as { acks: number; processed: number };
}

async function measureSend(contender: SendContender, ports: Ports): Promise<Run> {
  const [, port, connect] = contender;
  const client = await connect(ports[port]);
  const run = await timed(SEND_COUNT, () => client.run());
  client.stop();
  return run;
}

/** Delivery on at a steady `rate` for PACED_MS: ack frames per message. */
async function pacedAcks(ports: Ports, rate: number): Promise<{ acks: number; sent: number }> {
  const socket = await sockguard(ports.sendSession, true);
  const receipts: Promise<unknown>[] = [];
  const started = performance.now();
  let sent = 0;
  const total = Math.round((rate * PACED_MS) / 1000);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
    for (; sent < due; sent++) {
      const result = socket.send('msg', msgData(sent));
      if (result.status !== 'rejected' && result.delivered) receipts.push(result.delivered);
    }
    await sleep(1);
  }
  await Promise.all(receipts);
  const { acks } = await acksOf(socket);
  socket.close();
  return { acks, sent };
}

/** A delivery-on send run whose ack frames are counted (the timed runs stay free of the request). */
async function countedSendAcks(ports: Ports): Promise<number> {
  const socket = await sockguard(ports.sendSession, true);
  const receipts: Promise<unknown>[] = [];
  for (let i = 0; i < SEND_COUNT; i++) {
    const result = socket.send('msg', msgData(i));
    if (result.status !== 'rejected' && result.delivered) receipts.push(result.delivered);
  }
  await Promise.all(receipts);
  const { acks, processed } = await acksOf(socket);
  socket.close();
  if (processed !== SEND_COUNT) throw new Error(`server processed ${processed} of ${SEND_COUNT}`);
  return acks;
}

// --- the run ---------------------------------------------------------------------------------

async function startServer(): Promise<{ ports: Ports; stop(): void }> {
  const child = fork(fileURLToPath(new URL('./delivery-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: {
      ...process.env,
      BENCH_DELIVERY_RECEIVE_COUNT: String(COUNT),
      BENCH_DELIVERY_SEND_COUNT: String(SEND_COUNT),
    },
  });
  const ports = await new Promise<Ports>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ports));
    child.once('exit', (code) => reject(new Error(`delivery server exited with ${code}`)));
  });
  return { ports, stop: () => child.disconnect() };
}

/** Warm-up once, then ROUNDS interleaved rounds; the runs of each contender. */
async function interleaved<C>(
  contenders: readonly C[],
  measure: (contender: C) => Promise<Run>,
): Promise<Run[][]> {
  const runs = contenders.map(() => [] as Run[]);
  for (const contender of contenders) await measure(contender);
  for (let round = 0; round < ROUNDS; round++) {
    for (const index of rotation(contenders.length, round)) {
      runs[index]?.push(await measure(contenders[index] as C));
    }
  }
  return runs;
}

/** Prints one table; returns the median rates. */
function table(names: readonly string[], runs: Run[][]): number[] {
  const rates = runs.map((r) => median(r.map((run) => run.rate)));
  const cpus = runs.map((r) => median(r.map((run) => run.cpuUs)));
  const rawRate = rates[0] ?? Number.NaN;
  const rawCpu = cpus[0] ?? Number.NaN;
  console.log(`  ${'client'.padEnd(34)} ${'msg/s'.padStart(9)}  vs raw  CPU/msg  vs raw`);
  names.forEach((name, i) => {
    const rate = rates[i] ?? Number.NaN;
    const cpu = cpus[i] ?? Number.NaN;
    console.log(
      `  ${name.padEnd(34)} ${int(rate).padStart(9)}  ${(rate / rawRate).toFixed(2).padStart(5)}x  ${cpu.toFixed(2).padStart(5)} µs  ${(cpu / rawCpu).toFixed(2)}x`,
    );
  });
  return rates;
}

export async function benchDelivery(): Promise<string> {
  const server = await startServer();
  let receiveRuns: Run[][];
  let sendRuns: Run[][];
  const sendAcks: number[] = [];
  const paced: Array<{ rate: number; acks: number; sent: number }> = [];
  try {
    receiveRuns = await interleaved(receivers, (c) => measureReceive(c, server.ports));
    sendRuns = await interleaved(senders, (c) => measureSend(c, server.ports));
    for (let i = 0; i < 3; i++) sendAcks.push(await countedSendAcks(server.ports));
    for (const rate of PACED_RATES) paced.push({ rate, ...(await pacedAcks(server.ports, rate)) });
  } finally {
    server.stop();
  }

  console.log(
    `\nDelivery, receive: ${int(COUNT)} server pushes of ~120 bytes (meta.seq on each, same bytes for all), server in a child process, ${ROUNDS} interleaved rounds, medians`,
  );
  const receiveRates = table(
    receivers.map(([name]) => name),
    receiveRuns,
  );
  const numbering = median(numberingMs);
  console.log(
    `  (server: createSessionServer numbered ${int(COUNT)} pushes with session.send in ${int(numbering)} ms, median: ${int((COUNT / numbering) * 1000)}/s)`,
  );

  console.log(
    `\nDelivery, send: ${int(SEND_COUNT)} messages, first send until the server processed all (and every receipt / ack settled), ${ROUNDS} interleaved rounds, medians`,
  );
  const sendRates = table(
    senders.map(([name]) => name),
    sendRuns,
  );
  const acksPerMsg = median(sendAcks) / SEND_COUNT;
  console.log(
    `\nDelivery, ack traffic (sockguard.ack frames the session server wrote, ackDelayMs 10):`,
  );
  console.log(
    `  full speed, ${int(SEND_COUNT)} messages: ${sendAcks.map(int).join(' / ')} acks (3 runs) = 1 per ${int(1 / acksPerMsg)} messages`,
  );
  for (const p of paced) {
    console.log(
      `  steady ${int(p.rate)} msg/s for ${PACED_MS} ms: ${int(p.acks)} acks for ${int(p.sent)} messages = 1 per ${(p.sent / p.acks).toFixed(1)}`,
    );
  }

  const rawReceive = receiveRates[0] ?? Number.NaN;
  const onReceive = (receiveRates[2] ?? 0) / rawReceive;
  const offReceive = (receiveRates[1] ?? 0) / rawReceive;
  const rawSend = sendRates[0] ?? Number.NaN;
  const onSend = sendRates[DELIVERY_SENDER] ?? 0;
  const ioSend = sendRates[SOCKET_IO_RETRIES] ?? Number.NaN;
  const ioPlainSend = sendRates[4] ?? Number.NaN;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return [
    `delivery: receive on ${onReceive.toFixed(2)}x raw ws, off ${offReceive.toFixed(2)}x (target on >= 0.8x: ${verdict(onReceive >= 0.8)});`,
    `send on ${(onSend / rawSend).toFixed(2)}x raw, off ${((sendRates[1] ?? 0) / rawSend).toFixed(2)}x, ${(onSend / ioSend).toFixed(2)}x socket.io retries (${(onSend / ioPlainSend).toFixed(2)}x socket.io acks without retries) (target ahead of socket.io: ${verdict(onSend > ioSend)});`,
    `1 ack per ${int(1 / acksPerMsg)} messages at full speed (target <= 1 per 10: ${verdict(acksPerMsg <= 0.1)})`,
  ].join(' ');
}
