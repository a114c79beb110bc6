/**
 * Chaos soak: createSocket (Node, `ws`) behind a fault-injecting TCP proxy in front of a real `ws`
 * backend, under request and send traffic, while at least 500 faults are injected: drops, half-open
 * links, latency, backend restarts, error envelopes and fatal closes (4003/4004, after which the app
 * calls `reconnect()`). Short heartbeat, backoff and timeouts make it fast; it stops by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackoffPolicy, createSocket, type Socket } from '../../src/index.js';
import { type Backend, startBackend } from './backend.js';
import { formatFigures, recordFigures } from './figures.js';
import { type RequestBook, requestWorkers, type SendBook, sender, settled } from './load.js';
import { createObservations, faultLogger, type Observations, watch } from './observer.js';
import { type FaultProxy, startProxy } from './proxy.js';
import { seededRandom } from './random.js';
import { createRecorder, type Recorder } from './recording-websocket.js';

const MIN_FAULTS = Number(process.env.CHAOS_FAULTS ?? 600);
const MIN_REQUESTS = Number(process.env.CHAOS_REQUESTS ?? 6000);
const MAX_SOAK_MS = 80_000;
const MAX_HISTORY = 50;
const POLICY: BackoffPolicy = {
  baseMs: 20,
  factor: 2,
  floorMs: 5,
  capMs: 200,
  throttleFloorMs: 50,
};

const random = seededRandom();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const processErrors: unknown[] = [];
const onProcessError = (error: unknown) => processErrors.push(error);

type FaultKind = 'drop' | 'half-open' | 'latency' | 'restart' | 'error envelope' | 'fatal close';
const WEIGHTS: ReadonlyArray<[FaultKind, number]> = [
  ['drop', 0.27],
  ['half-open', 0.08],
  ['latency', 0.14],
  ['restart', 0.04],
  ['error envelope', 0.39],
  ['fatal close', 0.08],
];

function pickKind(): FaultKind {
  let roll = random.next();
  for (const [kind, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'drop';
}

/** Injects one fault where it can land; false when there was nothing to hit (e.g. no live link). */
async function inject(kind: FaultKind, proxy: FaultProxy, backend: Backend): Promise<boolean> {
  const links = proxy.live();
  const newest = backend.open().at(-1);
  switch (kind) {
    case 'drop':
      if (links.length === 0) return false;
      proxy.drop(random.pick(links));
      return true;
    case 'half-open':
      if (links.length === 0) return false;
      proxy.halfOpen(random.pick(links));
      return true;
    case 'latency':
      if (links.length === 0) return false;
      random.pick(links).latencyMs = random.int(5, 60);
      return true;
    case 'restart':
      await backend.restart(random.int(50, 250));
      return true;
    // The newest server socket is the client's current link (older ones may be half-open).
    case 'error envelope':
      return newest !== undefined && backend.errorEnvelope(newest);
    case 'fatal close':
      return newest !== undefined && backend.fatalClose(newest, random.chance(0.5) ? 4003 : 4004);
  }
}

describe('chaos soak: createSocket behind a fault-injecting proxy', () => {
  let backend: Backend;
  let proxy: FaultProxy;
  let recorder: Recorder;
  let socket: Socket;
  const obs: Observations = createObservations();
  const injected = new Map<FaultKind, number>();
  const requests: RequestBook = {
    started: 0,
    replied: 0,
    mismatched: 0,
    rejected: new Map(),
    otherErrors: [],
  };
  const sends: SendBook = { results: new Map() };
  let seconds = 0;

  beforeAll(async () => {
    process.on('uncaughtException', onProcessError);
    process.on('unhandledRejection', onProcessError);
    backend = await startBackend(random);
    proxy = await startProxy(() => backend.port);
    recorder = createRecorder();
  });
  afterAll(async () => {
    socket?.close();
    await proxy?.close();
    await backend?.close();
    process.off('uncaughtException', onProcessError);
    process.off('unhandledRejection', onProcessError);
  });

  it('survives 500+ faults and 5,000+ requests: everything settles, nothing is lost or doubled, retries follow the policy', async ({
    task,
  }) => {
    socket = createSocket({
      // The token rides in the query, as browsers must send it: it may never reach a fault.
      url: `ws://127.0.0.1:${proxy.port}/?token=SECRET123`,
      WebSocket: recorder.WebSocket,
      environment: false,
      backoff: POLICY,
      heartbeat: { intervalMs: 100, timeoutMs: 250, probeTimeoutMs: 100 },
      connectTimeoutMs: 400,
      requestTimeoutMs: 500,
      minUptimeMs: 300,
      errorCloseWindowMs: 50,
      maxQueue: 50,
      errors: { maxHistory: MAX_HISTORY, onFault: faultLogger(obs) },
    });
    let running = true;
    const watcher = watch(socket, recorder, obs, {
      policy: POLICY,
      maxHistory: MAX_HISTORY,
      failedPauseMs: () => random.int(20, 60),
      running: () => running,
    });
    const started = Date.now();
    const load = Promise.all([
      requestWorkers(socket, requests, 8, () => running),
      sender(socket, sends, 2, 3, () => running),
    ]);

    let faults = 0;
    while (
      (faults < MIN_FAULTS || requests.started < MIN_REQUESTS) &&
      Date.now() - started < MAX_SOAK_MS
    ) {
      await sleep(random.int(10, 40));
      const kind = pickKind();
      if (await inject(kind, proxy, backend)) {
        faults += 1;
        injected.set(kind, (injected.get(kind) ?? 0) + 1);
      }
    }
    running = false;
    await load;
    seconds = (Date.now() - started) / 1000;

    // Let the queue flush and in-flight frames land, then stop; close() settles what is left.
    if (socket.getSnapshot().status === 'failed') watcher.reconnect();
    for (let i = 0; i < 100 && socket.getSnapshot().status !== 'open'; i++) await sleep(20);
    await sleep(300);
    socket.close();
    watcher.stop();
    for (let i = 0; i < 150 && recorder.sockets.some((s) => s.closeCode === null); i++)
      await sleep(20);
    await proxy.close();
    await backend.close();
    await sleep(50);

    const figures = recordFigures({
      seconds,
      seed: random.seed,
      injected,
      requests,
      sends,
      obs,
      recorder,
      backend,
    });
    task.meta.chaosFigures = formatFigures(figures);
    console.log(formatFigures(figures));

    // Soft: a failing run shows every broken property at once, not only the first.
    expect.soft(processErrors).toEqual([]);
    expect.soft(faults).toBeGreaterThanOrEqual(500);
    expect.soft(requests.started).toBeGreaterThanOrEqual(5000);
    expect.soft(seconds).toBeLessThan(110);
    expect.soft(settled(requests)).toBe(requests.started);
    expect.soft(requests.otherErrors).toEqual([]);
    expect.soft(requests.mismatched).toBe(0);
    expect.soft(figures.sends.duplicates).toBe(0);
    expect.soft(figures.sends.handedTwice).toBe(0);
    expect.soft(figures.sends.rejectedButSent).toBe(0);
    expect.soft(figures.sends.lostSilently).toBe(0);
    expect.soft(figures.sends.notSentUnreported).toBe(0);
    expect.soft(figures.sends.sentOutOfOrder).toBe(0);
    expect.soft(figures.sends.outOfOrder).toBe(0);
    expect.soft(obs.fatal.attemptsWhileFailed).toBe(0);
    expect.soft(obs.fatal.count).toBeGreaterThan(0);
    expect.soft(obs.retries.outOfPolicy).toEqual([]);
    expect.soft(obs.retries.early).toBe(0);
    expect.soft(obs.store.overBound).toBe(0);
    expect.soft(obs.leaks).toEqual([]);
  });
});
