/**
 * The page of the durable outbox's Chromium tests (bundled by outbox-server.ts): a socket with
 * `delivery({ outbox: indexedDbOutbox({ user }) })` on the origin's `/ws?user=<user>`, as an app
 * would make one for its signed-in user, and a probe on `window.outboxProbe` that the Playwright
 * tests drive and read: sends, their `durable()` results and receipts, the outbox snapshot (what
 * earlier pages kept, with fates), the faults of the socket's error store.
 *
 * The query: `user` opens the socket at load; `send=<count>&from=<n>` sends that many at load,
 * right after the socket is made (before the outbox has read what was kept); `timeout` is the
 * outbox's `loadTimeoutMs`; `plant=nolock` makes the outbox without a Web Lock (a planted bug:
 * `locks: null`). A page that exposes `reportDurable` (Playwright `exposeFunction`) is told each
 * `durable()` result as it comes, so the test still knows them after the page crashed.
 */
import { createSocket } from '../../src/core/socket.js';
import type { SendResult, Socket } from '../../src/core/types.js';
import { delivery, deliveryOf } from '../../src/delivery/plugin.js';
import { outboxOf } from '../../src/outbox/channel.js';
import { durable, indexedDbOutbox } from '../../src/outbox/index.js';

/** What the probe saw so far (JSON: read from Node). */
export interface OutboxState {
  readonly user: string | null;
  readonly socket: string;
  readonly outbox: string;
  /** What earlier pages kept, with fates (`data.n` and the fault's cause when failed). */
  readonly kept: ReadonlyArray<{ n: number; text: string; status: string; cause?: string }>;
  /** `durable()` of each send, by `n`, once it resolved. */
  readonly durable: Readonly<Record<number, boolean>>;
  /** Each send's receipt, by `n`, once settled: the Delivered value, or `rejected <code> <cause>`. */
  readonly receipts: Readonly<Record<number, string>>;
  /** `send()`'s status, by `n`. */
  readonly sent: Readonly<Record<number, string>>;
  /** Every fault in the socket's error store history. */
  readonly faults: ReadonlyArray<{ code: string | number; cause?: string; at: number }>;
  /** When the page's navigation started (`performance.timeOrigin`, wall clock ms). */
  readonly origin: number;
}

/** The probe the tests drive. */
export interface OutboxProbe {
  /** A socket for `user` (closes the one before, as a sign-in in the same tab would). */
  open(user: string, loadTimeoutMs?: number): void;
  /** Sends `count` chats numbered from `from`, `bytes` long at least. */
  send(from: number, count: number, bytes?: number): void;
  /** Sends `count` chats from `from`, one every `everyMs`, without waiting on anything. */
  burst(from: number, count: number, everyMs: number): void;
  /** `deliveryOf(socket).endSession()` then `close()`: the user signs out. */
  logout(): void;
  read(): OutboxState;
}

declare global {
  interface Window {
    outboxProbe: OutboxProbe;
    reportDurable?: (n: number, ok: boolean) => void;
  }
}

const query = new URLSearchParams(location.search);
const plant = query.get('plant') ?? '';

let socket: Socket | null = null;
let user: string | null = null;
let durables: Record<number, boolean> = {};
let receipts: Record<number, string> = {};
let sent: Record<number, string> = {};
let before: Array<{ code: string | number; cause?: string; at: number }> = [];

const faultsOf = (s: Socket) =>
  s.errors.getState().history.map((f) => ({
    code: f.code,
    at: f.timestamp,
    ...(f.detail.cause !== undefined ? { cause: f.detail.cause } : {}),
  }));

function open(who: string, loadTimeoutMs?: number): void {
  if (socket) {
    before = [...before, ...faultsOf(socket)];
    socket.close();
  }
  user = who;
  durables = {};
  receipts = {};
  sent = {};
  const outbox = indexedDbOutbox({
    user: who,
    ...(loadTimeoutMs !== undefined ? { loadTimeoutMs } : {}),
    ...(plant === 'nolock' ? { locks: null } : {}),
  });
  socket = createSocket({
    url: `ws://${location.host}/ws?user=${encodeURIComponent(who)}`,
    heartbeat: false,
    backoff: { baseMs: 200, capMs: 200, floorMs: 100, jitter: 'none' },
    delivery: delivery({ outbox }),
  });
}

/** `length` random characters: a padding the storage cannot compress away (a quota test). */
const noise = (length: number): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => String.fromCharCode(33 + (b % 94))).join('');
};

function sendOne(n: number, bytes = 0): void {
  if (!socket || user === null) throw new Error('no socket: open(user) first');
  const text = `${user}:${n}`;
  const result: SendResult = socket.send('chat', {
    n,
    text,
    ...(bytes > 0 ? { pad: noise(bytes) } : {}),
  });
  sent[n] = result.status;
  const mine = { durables, receipts };
  void durable(result).then((ok) => {
    mine.durables[n] = ok;
    window.reportDurable?.(n, ok);
  });
  if ('delivered' in result && result.delivered)
    result.delivered.then(
      (value) => {
        mine.receipts[n] = String(value);
      },
      (error: unknown) => {
        const fault = (error as { fault?: { code?: unknown; detail?: { cause?: unknown } } })
          ?.fault;
        mine.receipts[n] = `rejected ${String(fault?.code)} ${String(fault?.detail?.cause)}`;
      },
    );
}

window.outboxProbe = {
  open,
  send(from, count, bytes = 0) {
    for (let n = from; n < from + count; n++) sendOne(n, bytes);
  },
  burst(from, count, everyMs) {
    let n = from;
    const next = () => {
      if (n >= from + count) return;
      sendOne(n++);
      setTimeout(next, everyMs);
    };
    next();
  },
  logout() {
    if (!socket) return;
    deliveryOf(socket).endSession();
    before = [...before, ...faultsOf(socket)];
    socket.close();
    socket = null;
    user = null;
  },
  read() {
    const snapshot = socket ? outboxOf(socket).getSnapshot() : null;
    return {
      user,
      socket: socket?.getSnapshot().status ?? 'none',
      outbox: snapshot?.status ?? 'none',
      kept: (snapshot?.kept ?? []).map((k) => {
        const data = k.data as { n?: number; text?: string };
        return {
          n: data.n ?? -1,
          text: data.text ?? '',
          status: k.status,
          ...(k.fault?.detail.cause !== undefined ? { cause: k.fault.detail.cause } : {}),
        };
      }),
      durable: { ...durables },
      receipts: { ...receipts },
      sent: { ...sent },
      faults: [...before, ...(socket ? faultsOf(socket) : [])],
      origin: performance.timeOrigin,
    };
  },
};

const first = query.get('user');
if (first) {
  const timeout = query.get('timeout');
  open(first, timeout ? Number(timeout) : undefined);
  const count = Number(query.get('send') ?? 0);
  if (count > 0) window.outboxProbe.send(Number(query.get('from') ?? 1), count);
}
