/**
 * The page of the SharedWorker tests (bundled by worker-server.ts): `connectTab` of
 * src/worker/tab.ts with a factory of ports, each of a `new SharedWorker('/hub.js?...', { name })`,
 * as an app's page would (a new worker when the old one died), and a probe on
 * `window.workerProbe` that the Playwright tests drive. The page's error store is wrapped to
 * record every `report` call into it (the store merges repeats of one id, which would hide a
 * fault told twice).
 */
import type { Clock } from '../../../src/core/clock.js';
import type { ErrorStore } from '../../../src/core/error-store/error-store.js';
import { createErrorStore } from '../../../src/core/error-store/error-store.js';
import type { SendResult, Socket } from '../../../src/core/types.js';
import { delivery } from '../../../src/delivery/plugin.js';
import { outboxOf } from '../../../src/outbox/channel.js';
import { durable, indexedDbOutbox } from '../../../src/outbox/outbox.js';
import type { Envelope } from '../../../src/protocol/envelope.js';
import { request } from '../../../src/request/request.js';
import { connectTab } from '../../../src/worker/tab.js';
import {
  type HubState,
  type Outcome,
  PING_INTERVAL_MS,
  type Report,
  TAB_TIMEOUT_MS,
  type WorkerProbe,
} from './probe.js';

declare global {
  interface Window {
    workerProbe: WorkerProbe;
  }
}

const query = new URLSearchParams(location.search);
const plant = query.get('plant') ?? '';
/** The suite's choice: the socket with `delivery()` (the tab server's `/ws-delivery`). */
const withDelivery = query.get('delivery') === '1';
/**
 * The suite's choice: delivery with a durable outbox (`indexedDbOutbox({ user: 'u1' })`), which
 * lives in the worker (the worker script's `outbox=1` gives the hub the factory).
 */
const withOutbox = query.get('outbox') === '1';
/** The hub's liveness options: the page's query (a suite's choice), else the tests' short ones. */
const pingMs = Number(query.get('ping') ?? PING_INTERVAL_MS);
const tabTimeoutMs = Number(query.get('timeout') ?? TAB_TIMEOUT_MS);
/** Every page names the same script URL and name: one SharedWorker for the context. */
const WORKER_URL = `/hub.js?ping=${pingMs}&timeout=${tabTimeoutMs}&plant=${encodeURIComponent(plant)}${withOutbox ? '&outbox=1' : ''}`;
const WORKER_NAME = 'sockguard-worker-test';
/**
 * The worker's options: with the suite's `extendedLifetime` (Chrome 148+: the worker outlives its
 * last page for a while), but under the plant that drops it. Not in TypeScript's DOM types yet.
 */
const WORKER_OPTIONS: WorkerOptions & { extendedLifetime?: boolean } = {
  name: WORKER_NAME,
  ...(query.get('extended') === '1' &&
    plant !== 'no-extended-lifetime' && { extendedLifetime: true }),
};

let socket: Socket | null = null;
let label = '';
const received: Array<{ type: string; data: unknown }> = [];
const outcomes: Record<string, Outcome> = {};
const sendStatuses: string[] = [];
const reports: Report[] = [];
const workerEvents: Array<{ type: string; at: number }> = [];
const sends: Array<{ n: number; at: number; status: string; port: number }> = [];
const settled: Record<number, string> = {};
const settledPort: Record<number, number> = {};
const receipts: Record<number, string> = {};
const settledAt: Record<number, number> = {};
/** With an outbox: what `durable(result)` said of each numbered send, and when (page clock). */
const durables: Record<number, { kept: boolean; at: number }> = {};
const outcomeAt: Record<string, number> = {};
const askedAt: Record<string, number> = {};
/** The stream of sends ({@link WorkerProbe.stream}) and of requests ({@link WorkerProbe.ask}) go on. */
let streaming = false;
let asking = false;
let asked = 0;
const lifecycle: Array<{ type: string; persisted: boolean; at: number }> = [];
for (const type of ['pagehide', 'pageshow', 'freeze', 'resume'] as const)
  window.addEventListener(type, (event) => {
    lifecycle.push({ type, persisted: Reflect.get(event, 'persisted') === true, at: Date.now() });
  });
const statusLog: Array<{ status: string; at: number }> = [];
let ports = 0;
/** The port the tab was last given (a hang waits for a ping on it). */
let current: MessagePort | null = null;

/** The page's own store, every report into it recorded (as hub.ts wraps its router store). */
function recordingStore(): ErrorStore {
  const store = createErrorStore();
  return {
    ...store,
    getState() {
      const inner = store.getState();
      return {
        ...inner,
        report(fault, context) {
          reports.push({
            id: fault.id,
            code: fault.code,
            action: fault.action,
            severity: fault.severity,
          });
          return inner.report(fault, context);
        },
      };
    },
  };
}

/**
 * The plant `whole-sleep`: a clock whose late timers run, at once and in order, the timers they
 * would have run meanwhile, each reading the time it was due (as a fake clock would). The tab's
 * watchdog then runs every check a sleep made it miss, each adding a full quarter of the limit:
 * it counts the whole of its own sleep as the worker's silence (what tab.ts' cap prevents).
 */
function catchUpClock(): Clock {
  let virtual: number | null = null;
  let replay: Array<{ due: number; run: () => void; handle: { cancelled: boolean } }> | null = null;
  const fire = (due: number, run: () => void) => {
    const queue = [{ due, run, handle: { cancelled: false } }];
    while (queue.length > 0) {
      const timer = queue.shift() as (typeof queue)[number];
      if (timer.handle.cancelled) continue;
      virtual = timer.due;
      replay = queue;
      try {
        timer.run();
      } finally {
        virtual = null;
        replay = null;
      }
    }
  };
  return {
    now: () => Date.now(),
    monotonic: () => virtual ?? performance.now(),
    setTimeout(run, ms) {
      const due = (virtual ?? performance.now()) + ms;
      if (replay !== null && due < performance.now()) {
        const handle = { cancelled: false };
        replay.push({ due, run, handle });
        return handle;
      }
      return setTimeout(() => fire(due, run), ms);
    },
    clearTimeout(handle) {
      if (typeof handle === 'object' && handle !== null) Reflect.set(handle, 'cancelled', true);
      else clearTimeout(handle as number);
    },
  };
}

/** The page's next numbered send (`seq` `{ from: label, n }`), recorded. */
function sendNext(s: Socket): string {
  const n = sends.length;
  // The plant answers as the tab would, and hands nothing over.
  const result: SendResult =
    plant === 'drop-10th' && n % 10 === 9
      ? { status: 'queued' }
      : s.send('seq', { from: label, n });
  const { status } = result;
  sends.push({ n, at: Date.now(), status, port: ports });
  // A receipt is told once: a second would be the tab's bug, kept visible as the settlements are.
  const receipt = (how: string) => {
    receipts[n] = n in receipts ? `${receipts[n]}+${how}` : how;
  };
  if (result.status !== 'rejected')
    result.delivered?.then(receipt, (error: unknown) =>
      receipt(
        `rejected:${(error as { fault?: { code?: string | number } }).fault?.code ?? 'thrown'}`,
      ),
    );
  if (withOutbox)
    void durable(result).then((kept) => {
      durables[n] = { kept, at: Date.now() };
    });
  sendStatuses.push(status);
  return status;
}

/** Busy loops the page ran ({@link WorkerProbe.hang}), page clock. */
const hangs: Array<{ from: number; to: number }> = [];

// The plant `resend-on-restore`: back from the back/forward cache, the page sends its last three
// numbered sends again (as an app that takes its sends for lost when the page was frozen).
window.addEventListener('pageshow', (event) => {
  const s = socket;
  if (plant !== 'resend-on-restore' || !event.persisted || !s) return;
  // After the tab's own `pageshow` (it joins the worker again there).
  setTimeout(() => {
    for (const sent of sends.slice(-3)) s.send('seq', { from: label, n: sent.n });
  }, 100);
});

const requireSocket = (): Socket => {
  if (!socket) throw new Error('workerProbe.start() first');
  return socket;
};

let probePort: MessagePort | null = null;

window.workerProbe = {
  start(wsUrl, given, requestTimeoutMs) {
    if (socket) return;
    label = given;
    /** The port factory an app gives: a new SharedWorker of the same URL and name each call. */
    const makePort = () => {
      ports += 1;
      // The plant names each new worker after its page: tabs no longer meet in one.
      const name = plant === 'own-worker' && ports > 1 ? `${WORKER_NAME}-${label}` : WORKER_NAME;
      const worker = new SharedWorker(WORKER_URL, { ...WORKER_OPTIONS, name });
      const port = worker.port;
      current = port;
      // What the browser tells a page of its worker (tab.ts listens to neither).
      worker.addEventListener(
        'error',
        () => void workerEvents.push({ type: 'error', at: Date.now() }),
      );
      port.addEventListener(
        'close',
        () => void workerEvents.push({ type: 'close', at: Date.now() }),
      );
      // Before the tab's hello: the worker script labels the port (the hub never sees this).
      port.postMessage({ sgProbe: 'label', label });
      if (plant === 'resend-acked' && ports > 1) {
        const worker = ports;
        // Once the new worker has the kept sends: the last three the old one acknowledged.
        setTimeout(() => {
          const acked = sends.filter(
            (e) => settled[e.n] === 'acknowledged' && (settledPort[e.n] ?? worker) < worker,
          );
          for (const e of acked.slice(-3)) socket?.send('seq', { from: label, n: e.n });
        }, 1000);
      }
      return port;
    };
    socket = connectTab(
      // The plant hands one port: the tab cannot make a new worker.
      plant === 'no-factory' ? makePort() : makePort,
      {
        url: wsUrl,
        heartbeat: false,
        requestTimeoutMs,
        ...(withDelivery && {
          delivery: withOutbox ? delivery({ outbox: indexedDbOutbox({ user: 'u1' }) }) : delivery(),
        }),
        backoff: { baseMs: 50, factor: 2, floorMs: 50, capMs: 200, jitter: 'none' },
        errors: recordingStore(),
        ...(plant === 'whole-sleep' && { clock: catchUpClock() }),
      },
      {
        // The plant: the tab's check of before (15 s).
        ...(plant === 'slow-check' && { workerTimeoutMs: 15_000 }),
        settled: (work, how) => {
          const n = Reflect.get(Object(work.data), 'n');
          if (work.kind === 'send' && typeof n === 'number') {
            // A second settlement of one send would be a bug of the tab's: kept visible.
            settled[n] = n in settled ? `${settled[n]}+${how}` : how;
            settledAt[n] = Date.now();
            // The first settlement's worker (a second is a bug the record keeps visible above).
            if (!(n in settledPort)) settledPort[n] = ports;
          }
        },
      },
    );
    const s = socket;
    statusLog.push({ status: s.getSnapshot().status, at: Date.now() });
    s.subscribe(() => {
      const status = s.getSnapshot().status;
      if (statusLog.at(-1)?.status !== status) statusLog.push({ status, at: Date.now() });
    });
    socket.on('*', (envelope: Envelope) => {
      received.push({ type: envelope.type, data: envelope.data });
    });
  },
  async series(count, everyMs) {
    const s = requireSocket();
    const statuses: string[] = [];
    for (let i = 0; i < count; i += 1) {
      statuses.push(sendNext(s));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return statuses;
  },
  stream(everyMs) {
    const s = requireSocket();
    if (streaming) return;
    streaming = true;
    const next = () => {
      if (!streaming) return;
      sendNext(s);
      setTimeout(next, everyMs);
    };
    next();
  },
  ask(everyMs, delayMs, timeoutMs) {
    requireSocket();
    if (asking) return;
    asking = true;
    const next = () => {
      if (!asking) return;
      const k = asked++;
      window.workerProbe.request(`r${k}`, 'ask', { from: label, k, delayMs }, timeoutMs);
      setTimeout(next, everyMs);
    };
    next();
  },
  askOnce(delayMs, timeoutMs) {
    const k = asked++;
    window.workerProbe.request(`r${k}`, 'ask', { from: label, k, delayMs }, timeoutMs);
  },
  hangAfterPing(ms) {
    const port = current;
    if (!port) throw new Error('workerProbe.start() first');
    return new Promise<void>((resolve) => {
      const onPing = (event: MessageEvent) => {
        if (Reflect.get(Object(event.data), 't') !== 'ping') return;
        port.removeEventListener('message', onPing);
        // A task of its own: the tab's listener takes this ping (the worker's last word) first.
        setTimeout(() => {
          window.workerProbe.hang(ms);
          resolve();
        }, 0);
      };
      port.addEventListener('message', onPing);
    });
  },
  stop() {
    streaming = false;
    asking = false;
    return window.workerProbe.read();
  },
  hang(ms) {
    const from = Date.now();
    while (Date.now() - from < ms) {
      // The page's one thread is busy: no timer, message or event of the page runs.
    }
    hangs.push({ from, to: Date.now() });
  },
  request(name, type, data, timeoutMs) {
    askedAt[name] = Date.now();
    request(requireSocket(), type, data, timeoutMs === undefined ? {} : { timeoutMs }).then(
      (reply) => {
        outcomes[name] = { ok: true, data: reply.data };
        outcomeAt[name] = Date.now();
      },
      (error: unknown) => {
        const code = (error as { fault?: { code?: string | number } }).fault?.code ?? 'thrown';
        outcomes[name] = { ok: false, code };
        outcomeAt[name] = Date.now();
      },
    );
  },
  read() {
    const s = requireSocket();
    return {
      label,
      status: s.getSnapshot().status,
      received: [...received],
      outcomes: { ...outcomes },
      sendStatuses: [...sendStatuses],
      reports: [...reports],
      workerEvents: [...workerEvents],
      history: s.errors.getState().history.map((f) => ({
        id: f.id,
        code: f.code,
        action: f.action,
        severity: f.severity,
        count: f.count,
        kind: f.kind,
        cause: f.detail.cause ?? '',
      })),
      active: s.errors.getState().active.map((f) => f.id),
      sends: [...sends],
      settled: { ...settled },
      settledPort: { ...settledPort },
      receipts: { ...receipts },
      settledAt: { ...settledAt },
      outcomeAt: { ...outcomeAt },
      askedAt: { ...askedAt },
      asked,
      hangs: [...hangs],
      lifecycle: [...lifecycle],
      navigation:
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)
          ?.type ?? '',
      statusLog: [...statusLog],
      ports,
      durable: { ...durables },
    };
  },
  outbox() {
    const { status, kept } = outboxOf(requireSocket()).getSnapshot();
    return {
      status,
      kept: kept.map((k) => ({ id: k.id, type: k.type, data: k.data, status: k.status })),
    };
  },
  hub() {
    if (!probePort) {
      probePort = new SharedWorker(WORKER_URL, WORKER_OPTIONS).port;
      probePort.start();
    }
    const port = probePort;
    // A worker that died takes its port along: the next read asks the worker of the name now.
    const dead = setTimeout(() => {
      if (probePort === port) probePort = null;
    }, 1000);
    port.addEventListener('message', () => clearTimeout(dead), { once: true });
    return new Promise<HubState>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the worker did not answer the probe')),
        2000,
      );
      const onMessage = (event: MessageEvent) => {
        const data = event.data as { sgProbe?: string; state?: HubState };
        if (data.sgProbe !== 'state' || !data.state) return;
        clearTimeout(timer);
        port.removeEventListener('message', onMessage);
        resolve(data.state);
      };
      port.addEventListener('message', onMessage);
      port.postMessage({ sgProbe: 'read' });
    });
  },
};
