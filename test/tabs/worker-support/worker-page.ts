/**
 * The page of the SharedWorker tests (bundled by worker-server.ts): `connectTab` of
 * src/worker/tab.ts with a factory of ports, each of a `new SharedWorker('/hub.js?...', { name })`,
 * as an app's page would (a new worker when the old one died), and a probe on
 * `window.workerProbe` that the Playwright tests drive. The page's error store is wrapped to
 * record every `report` call into it (the store merges repeats of one id, which would hide a
 * fault told twice).
 */
import type { ErrorStore } from '../../../src/core/error-store/error-store.js';
import { createErrorStore } from '../../../src/core/error-store/error-store.js';
import type { Socket } from '../../../src/core/types.js';
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

const plant = new URLSearchParams(location.search).get('plant') ?? '';
/** Every page names the same script URL and name: one SharedWorker for the context. */
const WORKER_URL = `/hub.js?ping=${PING_INTERVAL_MS}&timeout=${TAB_TIMEOUT_MS}&plant=${encodeURIComponent(plant)}`;
const WORKER_NAME = 'sockguard-worker-test';

let socket: Socket | null = null;
let label = '';
const received: Array<{ type: string; data: unknown }> = [];
const outcomes: Record<string, Outcome> = {};
const sendStatuses: string[] = [];
const reports: Report[] = [];
const workerEvents: Array<{ type: string; at: number }> = [];
const sends: Array<{ n: number; at: number; status: string }> = [];
const settled: Record<number, string> = {};
const statusLog: Array<{ status: string; at: number }> = [];
let ports = 0;

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
      const worker = new SharedWorker(WORKER_URL, { name });
      const port = worker.port;
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
      return port;
    };
    socket = connectTab(
      // The plant hands one port: the tab cannot make a new worker.
      plant === 'no-factory' ? makePort() : makePort,
      {
        url: wsUrl,
        heartbeat: false,
        requestTimeoutMs,
        backoff: { baseMs: 50, factor: 2, floorMs: 50, capMs: 200, jitter: 'none' },
        errors: recordingStore(),
      },
      {
        // The plant: the tab's check of before (15 s).
        ...(plant === 'slow-check' && { workerTimeoutMs: 15_000 }),
        settled: (work, how) => {
          const n = Reflect.get(Object(work.data), 'n');
          if (work.kind === 'send' && typeof n === 'number') settled[n] = how;
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
    for (let n = 0; n < count; n += 1) {
      // The plant answers as the tab would, and hands nothing over.
      const status =
        plant === 'drop-10th' && n % 10 === 9 ? 'queued' : s.send('seq', { from: label, n }).status;
      sends.push({ n, at: Date.now(), status });
      statuses.push(status);
      sendStatuses.push(status);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return statuses;
  },
  request(name, type, data, timeoutMs) {
    request(requireSocket(), type, data, timeoutMs === undefined ? {} : { timeoutMs }).then(
      (reply) => {
        outcomes[name] = { ok: true, data: reply.data };
      },
      (error: unknown) => {
        const code = (error as { fault?: { code?: string | number } }).fault?.code ?? 'thrown';
        outcomes[name] = { ok: false, code };
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
      statusLog: [...statusLog],
      ports,
    };
  },
  hub() {
    if (!probePort) {
      probePort = new SharedWorker(WORKER_URL, { name: WORKER_NAME }).port;
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
