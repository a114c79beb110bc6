/**
 * One soak phase: createSocket (Node, `ws`) behind the fault proxy in front of the session-layer
 * backend, under numbered traffic both ways, while faults rain: drops, frozen links, latency,
 * outages, crash restarts (keeping the history store, and now and then losing it), error
 * envelopes and fatal closes (after which the app calls `reconnect()`). Then the faults stop,
 * the phase drains (bounded: a hang fails the run, it does not hang it) and the books are handed
 * over. Short heartbeat, backoff and ack timeouts make it fast.
 */

import { deliveryOf } from '../../src/delivery/plugin.js';
import { createSocket, delivery, type Socket } from '../../src/index.js';
import { type Backend, startBackend } from './backend.js';
import { type ClientBook, createClientBook, requestWorkers, sender, unsettled } from './load.js';
import {
  createObservations,
  faultLogger,
  type Observations,
  type Policy,
  watch,
} from './observer.js';
import { type FaultProxy, startProxy } from './proxy.js';
import type { Random } from './random.js';
import { createRecorder, type Recorder } from './recording-websocket.js';

/** The soak's backoff: fast, and far enough from the cap that growth shows by attempt 3. */
export const POLICY: Policy = {
  baseMs: 20,
  factor: 2,
  floorMs: 5,
  capMs: 200,
  throttleFloorMs: 50,
};
/** A short heartbeat: a dead link is found within interval + timeout (350 ms). */
export const HEARTBEAT = { intervalMs: 100, timeoutMs: 250, probeTimeoutMs: 100 } as const;
/**
 * Longer than the heartbeat needs to find a dead link (interval + timeout), shorter than the
 * proxy's late RST: a dead link found by the ack timeout, or by the RST, is a heartbeat that failed.
 */
export const ACK_TIMEOUT_MS = 2500;
/** The error store's bound (checked). */
export const MAX_HISTORY = 50;
/** Longer than any phase: only the library can settle a request. */
const REQUEST_TIMEOUT_MS = 15 * 60_000;
/** How long the phase may take to settle everything once the faults stop. */
const DRAIN_MS = 10_000;

/** What the soak injects. */
export type FaultKind =
  | 'drop'
  | 'freeze'
  | 'latency'
  | 'outage'
  | 'restart'
  | 'restart, history lost'
  | 'restart, graceful'
  | 'error envelope'
  | 'fatal close';

/** Faults on the link or the session, picked every 15-45 ms (when there is something to hit). */
const WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['drop', 0.26],
  ['freeze', 0.1],
  ['latency', 0.14],
  ['error envelope', 0.47],
  ['fatal close', 0.01],
];
/**
 * Outages and restarts take everything down for a while: one every 1.2-2.4 s, so they cannot crowd
 * the others out, and each is a run of failed handshakes the backoff must grow through.
 */
const DISRUPTION_EVERY_MS = [1200, 2400] as const;
/** Faults come in storms, with calm spells between them. */
const STORM_MS = [1500, 2500] as const;
const CALM_MS = [700, 1200] as const;
/** A fatal close is injected whenever the client has not failed for this long (storms only). */
const FATAL_AT_LEAST_EVERY_MS = 3000;

/** One phase: delivery on or off, how long the faults rain. */
export interface PhaseConfig {
  readonly delivery: boolean;
  readonly durationMs: number;
  /** Restarts that lose the history store, spread over the phase (delivery only). */
  readonly historyLosses: number;
}

/** Everything a phase recorded, for the books (books.ts) and the claims (claims.ts). */
export interface PhaseResult {
  readonly config: PhaseConfig;
  readonly seed: number;
  readonly startedAt: number;
  readonly seconds: number;
  readonly injected: Map<FaultKind, number>;
  readonly book: ClientBook;
  /** Push `n` → times the client's handlers saw it. */
  readonly seen: Map<number, number>;
  /** Pushes a handler saw after a higher one. */
  readonly pushesOutOfOrder: number;
  readonly obs: Observations;
  readonly recorder: Recorder;
  readonly backend: Backend;
  readonly proxy: FaultProxy;
  /** Unsettled when the drain ended: requests, and receipts with delivery. */
  readonly unsettledAtEnd: number;
  /** Pushes of the client's live session its handlers had not seen when the drain ended. */
  readonly unseenAtEnd: number;
  /** Whether the drain saw everything settle, and whether the load loops ended in time. */
  readonly drained: boolean;
  readonly loadEnded: boolean;
  /** The client's session at the end (delivery). */
  readonly finalSession: string | null;
  readonly endedAt: number;
  /** How long the drain and the teardown took. */
  readonly drainMs: number;
  readonly teardownMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` until it holds or `ms` passed; true when it held. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** True when `promise` settled within `ms`. */
const within = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);

function pickKind(random: Random): FaultKind {
  let roll = random.next();
  for (const [kind, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'drop';
}

/** Injects one fault where it can land; false when there was nothing to hit (e.g. no live link). */
async function inject(
  kind: FaultKind,
  random: Random,
  proxy: FaultProxy,
  backend: Backend,
): Promise<boolean> {
  const links = proxy.live();
  switch (kind) {
    case 'drop':
      if (links.length === 0) return false;
      proxy.drop(random.pick(links));
      return true;
    case 'freeze':
      if (links.length === 0) return false;
      proxy.freeze(random.pick(links));
      return true;
    case 'latency':
      if (links.length === 0) return false;
      random.pick(links).latencyMs = random.int(5, 60);
      return true;
    case 'outage':
      proxy.outage(random.int(250, 700));
      return true;
    case 'restart':
      await backend.restart(random.int(50, 300), false);
      return true;
    case 'restart, history lost':
      await backend.restart(random.int(50, 300), true);
      return true;
    case 'restart, graceful':
      await backend.restart(random.int(50, 300), false, true);
      return true;
    case 'error envelope':
      return backend.errorEnvelope();
    case 'fatal close':
      return backend.fatalClose(random.chance(0.5) ? 4003 : 4004);
  }
}

/**
 * `CHAOS_GRACEFUL=1`: the restarts of the delivery phase are deploys (the session layer's
 * `close()` while handlers run) instead of crashes. Off by default: today the layer acknowledges a
 * request whose answer it refused while closing (reported to the lead with a reproduction).
 */
const GRACEFUL = process.env.CHAOS_GRACEFUL === '1';
const restartKind = (config: PhaseConfig): FaultKind =>
  GRACEFUL && config.delivery ? 'restart, graceful' : 'restart';

/** Runs one phase to the end and returns its books; never throws for what it observes. */
export async function runPhase(config: PhaseConfig, random: Random): Promise<PhaseResult> {
  const backend = await startBackend(random, config.delivery);
  const proxy = await startProxy(() => backend.port);
  const recorder = createRecorder();
  const obs = createObservations();
  const book = createClientBook();
  const injected = new Map<FaultKind, number>();
  const seen = new Map<number, number>();
  let pushesOutOfOrder = 0;
  let lastPush = 0;

  const socket: Socket = createSocket({
    // The token rides in the query, as browsers must send it: it may never reach a fault.
    url: `ws://127.0.0.1:${proxy.port}/?token=SECRET123`,
    WebSocket: recorder.WebSocket,
    environment: false,
    backoff: POLICY,
    heartbeat: HEARTBEAT,
    connectTimeoutMs: 400,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    minUptimeMs: 300,
    errorCloseWindowMs: 50,
    // Large enough that no outage overflows it: a refused send would be a loss the app was told.
    maxQueue: 5000,
    ...(config.delivery
      ? { delivery: delivery({ ackTimeoutMs: ACK_TIMEOUT_MS, helloTimeoutMs: 3000 }) }
      : {}),
    errors: { maxHistory: MAX_HISTORY, onFault: faultLogger(obs) },
  });
  socket.on('push', (envelope) => {
    const n = (envelope.data as { n: number }).n;
    seen.set(n, (seen.get(n) ?? 0) + 1);
    if (n < lastPush) pushesOutOfOrder += 1;
    lastPush = Math.max(lastPush, n);
  });
  const watcher = watch(socket, recorder, obs, {
    policy: POLICY,
    maxHistory: MAX_HISTORY,
    failedPauseMs: () => random.int(20, 60),
  });

  let running = true;
  const started = Date.now();
  backend.startPushes(5);
  const load = Promise.all([
    requestWorkers(socket, book, 6, config.delivery ? 0 : 4, () => running),
    sender(socket, book, 1, 4, () => running),
  ]);

  // The restarts that lose the history, at fixed points: each must end in one resync.
  const losses = config.delivery ? config.historyLosses : 0;
  const lossAt = Array.from(
    { length: losses },
    (_, i) => started + ((i + 1) * config.durationMs) / (losses + 1),
  );
  let disruptAt = started + random.int(...DISRUPTION_EVERY_MS);
  let fatalSeen = 0;
  let fatalAt = started;
  const lastFatal = () => {
    if (obs.fatal.count !== fatalSeen) {
      fatalSeen = obs.fatal.count;
      fatalAt = Date.now();
    }
    return fatalAt;
  };
  let calmAt = started + random.int(...STORM_MS);
  while (Date.now() - started < config.durationMs) {
    await sleep(random.int(15, 45));
    if (Date.now() >= calmAt) {
      // A calm spell: links live long enough to show what a healthy one does (acks on time,
      // nothing left behind), and the next storm starts from a settled state.
      const calm = random.int(...CALM_MS);
      await sleep(calm);
      disruptAt += calm;
      fatalAt += calm;
      calmAt = Date.now() + random.int(...STORM_MS);
      continue;
    }
    let kind: FaultKind;
    if (lossAt.length > 0 && Date.now() >= (lossAt[0] ?? 0)) {
      lossAt.shift();
      kind = 'restart, history lost';
    } else if (Date.now() - lastFatal() > FATAL_AT_LEAST_EVERY_MS) {
      // Until the client has failed again: `reconnect()` after a fatal fault is a claim to check.
      kind = 'fatal close';
    } else if (Date.now() >= disruptAt) {
      disruptAt = Date.now() + random.int(...DISRUPTION_EVERY_MS);
      kind = random.chance(0.6) ? 'outage' : restartKind(config);
    } else kind = pickKind(random);
    if (await inject(kind, random, proxy, backend)) {
      injected.set(kind, (injected.get(kind) ?? 0) + 1);
    }
  }
  running = false;
  backend.stopPushes();
  const seconds = (Date.now() - started) / 1000;

  // Drain: the faults stopped; everything must settle and every push of the live session arrive.
  const unseen = () => {
    const live = backend.session()?.id;
    let n = 0;
    for (const [k, push] of backend.books.pushes) {
      if (push.session === live && push.state !== 'refused' && !seen.has(k)) n += 1;
    }
    return n;
  };
  const settledAll = () =>
    socket.getSnapshot().status === 'open' &&
    unsettled(book, config.delivery) === 0 &&
    (!config.delivery || (deliveryOf(socket).getSnapshot().unacked === 0 && unseen() === 0));
  const drainStarted = Date.now();
  const drained = await until(settledAll, DRAIN_MS);
  const drainMs = Date.now() - drainStarted;
  // In-flight frames land (without delivery nothing else says they did).
  await sleep(300);
  const unsettledAtEnd = unsettled(book, config.delivery);
  const unseenAtEnd = config.delivery ? unseen() : 0;
  const finalSession = deliveryOf(socket).getSnapshot().session;
  const loadEnded = await within(load, 2000);
  const endedAt = Date.now();

  socket.close();
  watcher.stop();
  await proxy.close();
  await backend.close();
  await until(() => recorder.sockets.every((s) => s.closedAt !== null), 2000);
  const teardownMs = Date.now() - endedAt;

  return {
    config,
    seed: random.seed,
    startedAt: started,
    seconds,
    injected,
    book,
    seen,
    pushesOutOfOrder,
    obs,
    recorder,
    backend,
    proxy,
    unsettledAtEnd,
    unseenAtEnd,
    drained,
    loadEnded,
    finalSession,
    endedAt,
    drainMs,
    teardownMs,
  };
}
