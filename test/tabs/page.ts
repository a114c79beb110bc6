/**
 * The tab page of the cross-tab tests and of the demo (bundled by tab-server.ts). It puts a probe
 * on `window.tabProbe` that the Playwright tests drive, and shows in the page whether this tab
 * leads, the shared status, and how many connections the server holds.
 */
import {
  createSocket,
  delivery,
  deliveryOf,
  type Envelope,
  request,
  type SendResult,
  type Socket,
  type SocketStatus,
  shareTabs,
  tabRole,
} from '../../src/index.js';

/** What a request made by the probe ended with. */
export interface ProbeResult {
  readonly at: number;
  readonly ok: boolean;
  readonly data?: unknown;
  readonly code?: string | number;
}

/** What the tests read from a page. */
export interface ProbeState {
  readonly role: ReturnType<typeof tabRole>;
  readonly status: SocketStatus;
  readonly statuses: ReadonlyArray<{ readonly status: SocketStatus; readonly at: number }>;
  readonly received: ReadonlyArray<{ readonly type: string; readonly data: unknown }>;
  readonly results: Readonly<Record<string, ProbeResult>>;
  readonly faults: ReadonlyArray<{
    readonly code: string | number;
    readonly action: string;
    readonly severity: string;
  }>;
  readonly connections: number | null;
  /** `deliveryOf(socket)`'s mode. */
  readonly delivery: string;
}

/** How a test page's shared socket is made. */
export interface StartOptions {
  /** With `delivery()` (against the server's delivery endpoint). */
  readonly delivery?: boolean;
  /** `shareTabs({ hungAfterMs })`. */
  readonly hungAfterMs?: number;
}

/** The probe the tests drive with `page.evaluate`. */
export interface TabProbe {
  start(url: string, requestTimeoutMs?: number, options?: StartOptions): void;
  send(type: string, data: unknown): SendResult['status'];
  request(label: string, type: string, data: unknown, timeoutMs?: number): void;
  read(): ProbeState;
  close(): void;
}

declare global {
  interface Window {
    tabProbe: TabProbe;
  }
}

let socket: Socket | null = null;
const statuses: Array<{ status: SocketStatus; at: number }> = [];
const received: Array<{ type: string; data: unknown }> = [];
const results: Record<string, ProbeResult> = {};
let connections: number | null = null;

const app = () => document.getElementById('app');
const requireSocket = (): Socket => {
  if (!socket) throw new Error('tabProbe.start(url) first');
  return socket;
};

function render(): void {
  const root = app();
  if (!root || !socket) return;
  const role = tabRole(socket) ?? 'own socket';
  const last = received
    // Replies show as `reply` lines below; the count shows above.
    .filter((e) => !['connections', 'count', 'answer'].includes(e.type))
    .slice(-8)
    .map((e) => `${e.type} ${JSON.stringify(e.data)}`)
    .join('\n');
  root.innerHTML = `
    <p>This tab: <span class="role ${role}" data-testid="role">${role}</span></p>
    <p>Shared socket: <b data-testid="status">${socket.getSnapshot().status}</b>.
       Connections the server holds: <b data-testid="count">${connections ?? '?'}</b></p>
    <p><button id="hello">Send "hello" from this tab</button>
       <button id="ask">Request from this tab</button></p>
    <p>Open this page in more tabs: only one of them leads. Close the leader's tab and another
       takes over; the server keeps one connection.</p>
    <pre>${last.replace(/</g, '&lt;')}</pre>`;
  document.getElementById('hello')?.addEventListener('click', () => {
    socket?.send('chat', { text: 'hello', at: new Date().toISOString() });
  });
  document.getElementById('ask')?.addEventListener('click', () => {
    if (!socket) return;
    request(socket, 'ask', { at: new Date().toISOString() })
      .then((reply) => received.push({ type: `reply`, data: reply.data }))
      .catch((error: unknown) => received.push({ type: 'request failed', data: String(error) }))
      .finally(render);
  });
}

window.tabProbe = {
  start(url, requestTimeoutMs = 5000, options = {}) {
    if (socket) return;
    const made = createSocket({
      url,
      tabs: shareTabs(
        options.hungAfterMs === undefined ? {} : { hungAfterMs: options.hungAfterMs },
      ),
      ...(options.delivery ? { delivery: delivery() } : {}),
      heartbeat: false,
      requestTimeoutMs,
      backoff: { baseMs: 50, factor: 2, floorMs: 50, capMs: 200, jitter: 'none' },
    });
    socket = made;
    statuses.push({ status: made.getSnapshot().status, at: Date.now() });
    made.subscribe(() => {
      const status = made.getSnapshot().status;
      if (statuses.at(-1)?.status === status) return render();
      statuses.push({ status, at: Date.now() });
      // A tab that joins later missed the server's last `connections` push: it asks.
      if (status === 'open') {
        request(made, 'count', null).then(
          (reply) => {
            connections = (reply.data as { count: number }).count;
            render();
          },
          () => {},
        );
      }
      render();
    });
    made.on('*', (envelope: Envelope) => {
      received.push({ type: envelope.type, data: envelope.data });
      if (envelope.type === 'connections') {
        connections = (envelope.data as { count: number }).count;
      }
      render();
    });
    render();
  },
  send: (type, data) => requireSocket().send(type, data).status,
  request(label, type, data, timeoutMs) {
    request(requireSocket(), type, data, timeoutMs === undefined ? {} : { timeoutMs }).then(
      (reply) => {
        results[label] = { at: Date.now(), ok: true, data: reply.data };
      },
      (error: unknown) => {
        const code = (error as { fault?: { code?: string | number } }).fault?.code ?? 'thrown';
        results[label] = { at: Date.now(), ok: false, code };
      },
    );
  },
  read() {
    const s = requireSocket();
    return {
      role: tabRole(s),
      status: s.getSnapshot().status,
      statuses: [...statuses],
      received: [...received],
      results: { ...results },
      faults: s.errors.getState().history.map((f) => ({
        code: f.code,
        action: f.action,
        severity: f.severity,
      })),
      connections,
      delivery: deliveryOf(s).getSnapshot().mode,
    };
  },
  close: () => requireSocket().close(),
};

// The demo: `npm run demo:tabs` opens the page without a query; the tests open it with `?test`.
if (!new URLSearchParams(location.search).has('test')) {
  window.tabProbe.start(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
}
