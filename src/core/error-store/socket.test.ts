/**
 * Toasts say what is true now, end to end: a real socket over the hand-driven WebSocket, under fake
 * timers. A connection fault leaves the toasts when that socket opens again; an application fault
 * stays; in a shared store only the reopening socket's faults go; faults that read the same are one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeWebSocket } from '../../../test/support/fake-websocket.js';
import { openLast, setup } from '../../../test/support/socket-setup.js';
import { request } from '../../request/request.js';
import { createErrorStore, type ErrorStore } from './error-store.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

type Setup = ReturnType<typeof setup>;

const beat = { intervalMs: 1000, timeoutMs: 500, probeTimeoutMs: 200 };
const messages = (s: Setup) => s.socket.errors.getState().toasts.map((t) => t.message);

/** Runs the clock to the scheduled retry, so the next attempt's WebSocket exists. */
async function reachRetry(s: Setup): Promise<FakeWebSocket> {
  const before = s.WebSocket.instances.length;
  const snapshot = s.socket.getSnapshot();
  const at = snapshot.status === 'reconnecting' ? snapshot.nextRetryAt : null;
  if (at === null) throw new Error(`no retry scheduled (status ${snapshot.status})`);
  await vi.advanceTimersByTimeAsync(Math.max(0, at - Date.now()));
  expect(s.WebSocket.instances).toHaveLength(before + 1);
  return s.ws();
}

/** Each connection fault, made on an open socket (or before it ever opened, for `unreachable`). */
const connectionFaults: Array<[code: string | number, make: (s: Setup) => Promise<void>]> = [
  [
    'heartbeat_timeout',
    async (s) => {
      openLast(s);
      await vi.advanceTimersByTimeAsync(beat.intervalMs + beat.timeoutMs);
    },
  ],
  [1006, async (s) => openLast(s).drop(1006)],
  [1012, async (s) => openLast(s).drop(1012, 'Service restart')],
  [
    // Three handshakes failing in a row, before the socket ever opened.
    'unreachable',
    async (s) => {
      s.ws().drop(1006);
      for (let i = 1; i < 3; i++) (await reachRetry(s)).drop(1006);
    },
  ],
];

describe('a connection fault is resolved when the socket opens again', () => {
  it.each(connectionFaults)(
    '%s: its toast closes on open, and stays in history',
    async (code, make) => {
      const s = setup({ heartbeat: beat });
      await make(s);
      expect(s.socket.errors.getState().history.map((f) => f.code)).toContain(code);
      expect(s.socket.errors.getState().toasts).not.toHaveLength(0);
      (await reachRetry(s)).open();
      expect(s.status()).toBe('open');
      expect(s.socket.errors.getState().toasts).toEqual([]);
      expect(s.socket.errors.getState().history.map((f) => f.code)).toContain(code);
      s.socket.close();
    },
  );

  it('keeps the toast while the retries still fail, and closes it on the first open', async () => {
    const s = setup({ heartbeat: beat });
    openLast(s).drop(1006);
    (await reachRetry(s)).drop(1006);
    expect(messages(s)).toEqual(['Connection lost. Reconnecting…']);
    (await reachRetry(s)).open();
    expect(messages(s)).toEqual([]);
    s.socket.close();
  });

  it('closes the fatal fault that stopped the socket once reconnect() opens it', async () => {
    const s = setup();
    openLast(s).drop(1008, 'policy');
    expect(s.status()).toBe('failed');
    expect(s.socket.errors.getState().fatal).toMatchObject({ code: 1008 });
    s.socket.reconnect();
    openLast(s);
    expect(s.socket.errors.getState().toasts).toEqual([]);
    expect(s.socket.errors.getState().fatal).toBeNull();
    s.socket.close();
  });
});

describe('an application fault is still true after a reopen', () => {
  it('a 4001 and a request timeout keep their toasts across a drop and reopen, until their TTL', async () => {
    const s = setup({
      heartbeat: false,
      requestTimeoutMs: 1000,
      errors: { recoverableTtlMs: 60_000 },
    });
    const ws = openLast(s);
    ws.receive({ type: 'error', data: { code: 4001, message: 'Room "x" not found' } });
    request(s.socket, 'join', { room: 'x' }).catch(() => {});
    await vi.advanceTimersByTimeAsync(1000);
    ws.drop(1006);
    (await reachRetry(s)).open();
    expect(messages(s)).toEqual(['The request timed out.', 'Room "x" not found']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(messages(s)).toEqual([]);
    s.socket.close();
  });
});

describe('a store shared by two sockets', () => {
  function two(): { store: ErrorStore; a: Setup; b: Setup } {
    const store = createErrorStore();
    // Distinct randomness, as in real use: each socket's origin (its id prefix) comes from it.
    const a = setup({ errors: store, random: () => 0.5 });
    const b = setup({ errors: store, random: () => 0.25 });
    return { store, a, b };
  }

  it('resolves only the connection faults of the socket that opened again', async () => {
    const { store, a, b } = two();
    openLast(a).drop(1006);
    openLast(b).drop(1006);
    // Two faults, one for each socket, read the same: one toast standing for both.
    expect(store.getState().active).toHaveLength(2);
    expect(store.getState().toasts).toMatchObject([{ count: 2 }]);
    // Both retry within a second (random 0.5 and 0.25); only A's server answers at first.
    await vi.advanceTimersByTimeAsync(1000);
    expect([a.WebSocket.instances.length, b.WebSocket.instances.length]).toEqual([2, 2]);
    openLast(a);
    expect(store.getState().toasts).toMatchObject([
      { message: 'Connection lost. Reconnecting…', count: 1 },
    ]);
    expect(store.getState().toasts[0]?.faults).toHaveLength(1);
    openLast(b);
    expect(store.getState().toasts).toEqual([]);
    a.socket.close();
    b.socket.close();
  });

  it('one socket opening leaves the other socket’s unreachable fault shown', async () => {
    const { store, a, b } = two();
    b.ws().drop(1006);
    for (let i = 1; i < 3; i++) (await reachRetry(b)).drop(1006);
    openLast(a);
    expect(store.getState().toasts.map((t) => t.code)).toContain('unreachable');
    a.socket.close();
    b.socket.close();
  });
});

describe('faults that read the same are one toast', () => {
  it('invalid_frame and invalid_envelope show one "Received an invalid message." ×2; dismiss removes both', () => {
    const s = setup();
    const ws = openLast(s);
    ws.receive('{not json');
    ws.receive('[]');
    const state = () => s.socket.errors.getState();
    expect(state().history.map((f) => f.code)).toEqual(['invalid_envelope', 'invalid_frame']);
    expect(state().toasts).toHaveLength(1);
    const toast = state().toasts[0];
    expect(toast).toMatchObject({ message: 'Received an invalid message.', count: 2 });
    state().dismiss(toast?.id ?? '');
    expect(state().toasts).toEqual([]);
    expect(state().active).toEqual([]);
    expect(state().history).toHaveLength(2);
    s.socket.close();
  });
});
