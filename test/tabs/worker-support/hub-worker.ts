/**
 * The SharedWorker script of the worker tests (bundled by worker-server.ts): `createHub()` of
 * src/worker/hub.ts gets every port that connects, as an app's worker would
 * (`onconnect = (e) => hub.connect(e.ports[0])`). Each port is wrapped to record what crosses it
 * (times in the worker's own clock) and to answer the tests' probe messages (`{ sgProbe }`),
 * which the hub never sees. The script's query sets the hub's liveness options and the plant
 * (`lingerMs` is the hub's default, 10 s, but under the plant `no-linger`), and `outbox=1` gives the
 * hub `indexedDbOutbox` (the tabs' durable outbox lives here).
 */
import { indexedDbOutbox } from '../../../src/outbox/outbox.js';
import { createHub, HUB_DEFAULTS, type Hub } from '../../../src/worker/hub.js';
import type { PortLike } from '../../../src/worker/wire.js';
import type { HubState, PortRecord } from './probe.js';

type Listener = (event: { readonly data: unknown }) => void;

const query = new URLSearchParams(self.location.search);
const plant = query.get('plant') ?? '';
const pingIntervalMs = Number(query.get('ping') ?? 500);
const timeout = Number(query.get('timeout') ?? 1000);
const tabTimeoutMs =
  plant === 'no-liveness'
    ? 60_000
    : plant === 'slow-liveness'
      ? 2 * timeout
      : plant === 'short-liveness'
        ? 5000
        : timeout;
const problems: string[] = [];
const closeGraceMs = 200;
const lingerMs = plant === 'no-linger' ? 0 : HUB_DEFAULTS.lingerMs;
const hubOptions = {
  // `outbox=1`: the worker file gives the outbox factory, as `serveSharedSocket({ outbox })` does.
  ...(query.get('outbox') === '1' && { outbox: indexedDbOutbox }),
  pingIntervalMs,
  tabTimeoutMs,
  closeGraceMs,
  lingerMs,
  onProblem: (problem: string) => void problems.push(problem),
};
const hubs: Hub[] =
  plant === 'two-hubs' ? [createHub(hubOptions), createHub(hubOptions)] : [createHub(hubOptions)];

/** One wrapped port: its record, and the hub's listener on it (the plants call it). */
interface Wrapped {
  readonly real: MessagePort;
  readonly record: PortRecord;
  hubListener: Listener | null;
}
const wrapped: Wrapped[] = [];

const typeOf = (data: unknown): string => {
  const t = typeof data === 'object' && data !== null ? Reflect.get(data, 't') : undefined;
  return typeof t === 'string' ? t : '?';
};
const count = (counts: Record<string, number>, t: string) => {
  counts[t] = (counts[t] ?? 0) + 1;
};
const joined = () => wrapped.filter((w) => w.record.label !== null);

function state(): HubState {
  return {
    plant,
    pingIntervalMs,
    tabTimeoutMs,
    closeGraceMs,
    lingerMs,
    ports: wrapped.map((w) => ({ ...w.record, out: { ...w.record.out }, in: { ...w.record.in } })),
    problems: [...problems],
  };
}

/** Has another joined tab ask the hub to reconnect (plant `reconnect-on-leave`). */
function reconnectFromAnother(leaving: Wrapped) {
  const other = joined().find(
    (w) => w !== leaving && w.record.byeAt === null && w.record.droppedAt === null,
  );
  other?.hubListener?.({ data: { v: 1, t: 'reconnect' } });
}

function wrap(entry: Wrapped): PortLike {
  const { real, record } = entry;
  const post = (message: unknown) => {
    const t = typeOf(message);
    count(record.out, t);
    if (t === 'ping') {
      record.pings += 1;
      record.lastPingAt = Date.now();
    }
    if (t === 'dropped') record.droppedAt = Date.now();
    real.postMessage(message);
  };
  let held: unknown;
  return {
    postMessage(message) {
      post(message);
      const t = typeOf(message);
      const m = message as Record<string, unknown>;
      if (plant === 'echo-twice' && t === 'message' && m.reply === undefined) post(message);
      if (plant === 'broadcast-replies' && t === 'message' && m.reply !== undefined)
        for (const other of joined()) if (other !== entry) other.real.postMessage(message);
      if (plant === 'broadcast-faults' && t === 'fault')
        for (const other of joined()) if (other !== entry) other.real.postMessage(message);
      if (plant === 'fault-twice' && t === 'fault') {
        const fault = m.fault as Record<string, unknown>;
        post({ ...m, fault: { ...fault, id: `${String(fault.id)}-again` } });
      }
      if (plant === 'reconnect-on-leave' && t === 'dropped') reconnectFromAnother(entry);
    },
    addEventListener(_type, listener) {
      entry.hubListener = (event) => {
        const data = event.data;
        if (typeof data === 'object' && data !== null && 'sgProbe' in data) return;
        if (plant === 'hub-drop-10th' && typeOf(data) === 'send') {
          const n = Reflect.get(Reflect.get(data as object, 'data') ?? {}, 'n');
          if (typeof n === 'number' && n % 10 === 9) return;
        }
        if (plant === 'reorder' && typeOf(data) === 'send') {
          const n = Reflect.get(Reflect.get(data as object, 'data') ?? {}, 'n');
          if (n === 5) {
            held = data;
            return;
          }
          listener(event);
          if (held !== undefined) {
            const late = held;
            held = undefined;
            listener({ data: late });
          }
          return;
        }
        listener(event);
        if (plant === 'reconnect-on-leave' && typeOf(data) === 'bye') reconnectFromAnother(entry);
      };
      real.addEventListener('message', entry.hubListener);
    },
    removeEventListener() {
      if (entry.hubListener) real.removeEventListener('message', entry.hubListener);
      entry.hubListener = null;
    },
    start: () => real.start(),
    close: () => real.close(),
  };
}

const scope = self as unknown as {
  onconnect: ((event: MessageEvent) => void) | null;
};
let connections = 0;
scope.onconnect = (event) => {
  const real = event.ports[0];
  if (!real) return;
  const now = Date.now();
  const entry: Wrapped = {
    real,
    record: {
      label: null,
      connectedAt: now,
      heardAt: now,
      byeAt: null,
      droppedAt: null,
      pings: 0,
      lastPingAt: null,
      out: {},
      in: {},
    },
    hubListener: null,
  };
  wrapped.push(entry);
  // Added before the hub's: it records what arrives, and answers the tests' probe messages.
  real.addEventListener('message', (e: MessageEvent) => {
    const data: unknown = e.data;
    entry.record.heardAt = Date.now();
    const probe =
      typeof data === 'object' && data !== null ? Reflect.get(data, 'sgProbe') : undefined;
    if (probe === 'label') entry.record.label = String(Reflect.get(data as object, 'label'));
    else if (probe === 'read') real.postMessage({ sgProbe: 'state', state: state() });
    if (probe !== undefined) return;
    const t = typeOf(data);
    count(entry.record.in, t);
    if (t === 'bye') entry.record.byeAt = Date.now();
  });
  const hub = hubs[connections++ % hubs.length] as Hub;
  hub.connect(wrap(entry));
};
