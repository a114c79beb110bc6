/**
 * Random sequences of server behaviour, API calls (also from inside listeners and handlers),
 * throwing callbacks, browser events and clock jumps, with fake timers. Whatever the sequence:
 * at most one live WebSocket, none once closed or failed, `send` never throws and always says what
 * it did, nothing uncaught, and after `close()` every request has settled and no timer is armed.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeWebSocket } from '../../test/support/fake-websocket.js';
import { setup } from '../../test/support/socket-setup.js';
import { request } from '../request/request.js';
import type { SendResult, Socket } from './types.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const CLOSE_CODES = [
  1000, 1001, 1006, 1008, 1011, 1012, 1013, 3000, 4000, 4003, 4004, 4005, 4999, 5000,
];
const APP_CODES = [4000, 4001, 4003, 4004, 4005, 5000];
type Reentry = 'close' | 'reconnect' | 'send' | 'on-off' | 'throw' | 'request';

const command = fc.oneof(
  fc.constant({ op: 'open' as const }),
  fc.record({ op: fc.constant('drop' as const), code: fc.constantFrom(...CLOSE_CODES) }),
  fc.record({
    op: fc.constant('error-close' as const),
    app: fc.constantFrom(...APP_CODES),
    code: fc.constantFrom(...CLOSE_CODES),
    hint: fc.option(fc.constantFrom(0, 500, 2.2e9), { nil: undefined }),
  }),
  fc.record({
    op: fc.constant('message' as const),
    type: fc.constantFrom('chat', '*', 'pong', 'ping'),
  }),
  fc.record({ op: fc.constant('error' as const), app: fc.constantFrom(...APP_CODES) }),
  fc.constant({ op: 'reply' as const }),
  fc.constant({ op: 'garbage' as const }),
  fc.record({
    op: fc.constant('advance' as const),
    ms: fc.constantFrom(0, 1, 50, 300, 1000, 5000, 60_000),
  }),
  fc.record({ op: fc.constant('jump' as const), ms: fc.constantFrom(-3_600_000, 3_600_000) }),
  fc.constant({ op: 'send' as const }),
  fc.record({ op: fc.constant('request' as const), retry: fc.boolean() }),
  fc.constant({ op: 'close' as const }),
  fc.constant({ op: 'reconnect' as const }),
  fc.constant({ op: 'connect' as const }),
  fc.record({
    op: fc.constant('listener' as const),
    action: fc.constantFrom<Reentry>('close', 'reconnect', 'send', 'on-off', 'throw', 'request'),
  }),
  fc.record({
    op: fc.constant('handler' as const),
    action: fc.constantFrom<Reentry>('close', 'reconnect', 'send', 'on-off', 'throw', 'request'),
  }),
  fc.constantFrom(
    { op: 'offline' as const },
    { op: 'online' as const },
    { op: 'hide' as const },
    { op: 'show' as const },
    { op: 'pagehide' as const },
    { op: 'pageshow' as const },
  ),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

function browser() {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const navigator = { onLine: true };
  return { environment: { window, document, navigator }, window, document, navigator };
}

const live = (instances: readonly FakeWebSocket[]) =>
  instances.filter((ws) => ws.readyState < 2 && ws.closedByClient === null);

/** Runs one app reaction: what a component might do from inside a listener or handler. */
function react(socket: Socket, action: Reentry, settled: Promise<unknown>[], sends: SendResult[]) {
  switch (action) {
    case 'close':
      return socket.close();
    case 'reconnect':
      return socket.reconnect();
    case 'send':
      return void sends.push(socket.send('from-listener', 1));
    case 'on-off': {
      const off = socket.on('chat', () => {});
      return off();
    }
    case 'request':
      return void settled.push(request(socket, 'ask', 1, { timeoutMs: 2000 }).catch(() => {}));
    case 'throw':
      throw new Error('app bug');
  }
}

async function run(commands: readonly Command[]) {
  const b = browser();
  const s = setup({
    heartbeat: { intervalMs: 1000, timeoutMs: 300, probeTimeoutMs: 100, wakeThresholdMs: 5000 },
    environment: b.environment,
    errors: { recoverableTtlMs: null },
    lostAfterMs: 2000,
    suspendAfterMs: 20_000,
    requestTimeoutMs: 3000,
  });
  const settled: Promise<unknown>[] = [];
  const sends: SendResult[] = [];
  /** Pending one-shot reactions: removed before the final close, which must be the last word. */
  const pending: Array<() => void> = [];
  const check = () => {
    const status = s.status();
    const alive = live(s.WebSocket.instances);
    expect(alive.length).toBeLessThanOrEqual(1);
    if (status === 'closed' || status === 'failed') expect(alive).toHaveLength(0);
    if (status === 'open') expect(alive.filter((ws) => ws.readyState === 1)).toHaveLength(1);
  };
  for (const c of commands) {
    const ws = s.WebSocket.instances.at(-1);
    const connected = ws !== undefined && ws.readyState === 1 && ws.closedByClient === null;
    switch (c.op) {
      case 'open':
        if (ws && ws.readyState === 0 && ws.closedByClient === null) ws.open();
        break;
      case 'drop':
        if (ws && ws.readyState < 2 && ws.closedByClient === null) ws.drop(c.code);
        break;
      case 'error-close':
        if (connected) {
          ws.receive({
            type: 'error',
            data: { code: c.app, message: 'no' },
            ...(c.hint === undefined ? {} : { meta: { retry_after_ms: c.hint } }),
          });
          ws.drop(c.code);
        }
        break;
      case 'message':
        if (connected) ws.receive({ type: c.type, data: { text: 'hi' } });
        break;
      case 'error':
        if (connected) ws.receive({ type: 'error', data: { code: c.app, message: 'no' } });
        break;
      case 'reply': {
        const asked = connected ? ws.frames().findLast((f) => f.meta?.request_id) : undefined;
        if (connected && asked)
          ws.receive({ type: 'ok', data: 1, meta: { request_id: asked.meta?.request_id } });
        break;
      }
      case 'garbage':
        if (connected) ws.receive('{not json');
        break;
      case 'advance':
        await vi.advanceTimersByTimeAsync(c.ms);
        break;
      case 'jump':
        vi.setSystemTime(Date.now() + c.ms);
        break;
      case 'send':
        sends.push(s.socket.send('chat', { text: 'x' }));
        break;
      case 'request':
        settled.push(
          request(s.socket, 'ask', 1, { retryOnReconnect: c.retry, timeoutMs: 2000 }).catch(
            () => {},
          ),
        );
        break;
      case 'close':
        s.socket.close();
        break;
      case 'reconnect':
        s.socket.reconnect();
        break;
      case 'connect':
        s.socket.connect();
        break;
      case 'listener': {
        const off = s.socket.subscribe(() => {
          off();
          react(s.socket, c.action, settled, sends);
        });
        pending.push(off);
        break;
      }
      case 'handler': {
        const off = s.socket.on('*', () => {
          off();
          react(s.socket, c.action, settled, sends);
        });
        pending.push(off);
        break;
      }
      case 'offline':
        b.navigator.onLine = false;
        b.window.dispatchEvent(new Event('offline'));
        break;
      case 'online':
        b.navigator.onLine = true;
        b.window.dispatchEvent(new Event('online'));
        break;
      case 'hide':
      case 'show':
        b.document.visibilityState = c.op === 'hide' ? 'hidden' : 'visible';
        b.document.dispatchEvent(new Event('visibilitychange'));
        break;
      case 'pagehide':
      case 'pageshow':
        b.window.dispatchEvent(Object.assign(new Event(c.op), { persisted: true }));
        break;
    }
    check();
  }
  for (const off of pending) off();
  s.socket.close();
  check();
  await vi.advanceTimersByTimeAsync(0);
  // Every request settled, and close() left no timer behind.
  const outcomes = await Promise.race([
    Promise.all(settled).then(() => 'settled'),
    new Promise((resolve) => setTimeout(() => resolve('hanging'), 0)),
  ]);
  vi.advanceTimersByTime(0);
  expect(await outcomes).toBe('settled');
  expect(vi.getTimerCount()).toBe(0);
  for (const result of sends) expect(['sent', 'queued', 'rejected']).toContain(result.status);
  expect(live(s.WebSocket.instances)).toHaveLength(0);
}

describe('socket invariants under random event sequences', () => {
  it('hold for any sequence of server behaviour, API calls, re-entrant listeners, throws, browser events and clock jumps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (commands) => {
        vi.clearAllTimers();
        vi.setSystemTime(0);
        await run(commands);
      }),
      { numRuns: Number(process.env.SOCKGUARD_PROPERTY_RUNS ?? 300) },
    );
  });
});
