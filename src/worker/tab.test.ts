/** The tab's side: its own bounds, its ledger of work, what it refuses at construction. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, pair, world } from '../../test/support/worker-kit.js';
import { createErrorStore } from '../core/error-store/error-store.js';
import { request } from '../request/request.js';
import { connectTab } from './tab.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('the tab ledger', () => {
  it('a send and a request are told settled exactly once, also when the tab then closes or loses the worker', async () => {
    const w = world();
    const told: string[] = [];
    const tab = w.tab({}, { settled: (work, how) => void told.push(`${work.kind}:${how}`) });
    await flush();
    w.WebSocket.last().open();
    await flush();
    tab.socket.send('chat', { n: 1 });
    const reply = request(tab.socket, 'get', { n: 2 });
    await flush();
    const id = w.WebSocket.last().frames()[1]?.meta?.request_id;
    w.WebSocket.last().receive({ type: 'got', meta: { request_id: id } });
    await flush();
    await reply;
    expect(told).toEqual(['send:written', 'request:replied']);
    // The worker goes quiet (its pending work is failed here), then the tab closes.
    tab.port.freeze();
    await vi.advanceTimersByTimeAsync(30_000);
    tab.socket.close();
    await flush();
    expect(told).toEqual(['send:written', 'request:replied']);
  });

  it('closing the tab leaves its sends to the worker and rejects its requests, once', async () => {
    const w = world();
    const told: string[] = [];
    const tab = w.tab({}, { settled: (work, how) => void told.push(`${work.kind}:${how}`) });
    await flush();
    tab.socket.send('chat', { n: 1 });
    const caught = request(tab.socket, 'get', {}).catch((e: unknown) => e);
    await flush();
    tab.socket.close();
    tab.socket.close();
    expect(await caught).toMatchObject({ fault: { code: 'connection_closed' } });
    expect(told).toEqual(['request:failed', 'send:left']);
    expect(tab.socket.getSnapshot().status).toBe('closed');
    expect(tab.socket.send('chat', 1)).toMatchObject({ status: 'rejected' });
    // Handed over before the tab left: the worker still sends it when it opens.
    w.WebSocket.last().open();
    await flush();
    expect(w.WebSocket.last().frames()).toEqual([{ type: 'chat', data: { n: 1 } }]);
  });

  it('a tab bounds what it has handed over (maxQueue): one more is rejected with queue_overflow', async () => {
    const w = world();
    const tab = w.tab({ maxQueue: 2 });
    await flush();
    expect(tab.socket.send('a', 1).status).toBe('queued');
    expect(tab.socket.send('a', 2).status).toBe('queued');
    expect(tab.socket.send('a', 3)).toMatchObject({
      status: 'rejected',
      fault: { code: 'queue_overflow' },
    });
    expect(tab.faults()).toEqual(['client:queue_overflow']);
  });

  it('send throws for a type that is not a non-empty string, or data JSON cannot carry', () => {
    const w = world();
    const tab = w.tab();
    expect(() => tab.socket.send('', 1)).toThrow(TypeError);
    expect(() => tab.socket.send('a', { big: 1n })).toThrow(/JSON/);
  });
});

describe('page-only answers and construction', () => {
  it('the tab answers url() with its function and refreshAuth with its own', async () => {
    const w = world();
    let refreshed = 0;
    w.tab(
      {
        url: () => new URL('wss://chat.test/ws?token=fresh'),
        refreshAuth: () => {
          refreshed += 1;
        },
      },
      { key: 'k' },
    );
    await flush();
    expect(w.WebSocket.last().url).toBe('wss://chat.test/ws?token=fresh');
    // A server's auth failure asks the page for a refresh before the next attempt.
    w.WebSocket.last().drop(4003, 'expired');
    await flush();
    expect(refreshed).toBe(1);
  });

  it('refuses at construction what cannot cross a port, naming the option', () => {
    const [port] = pair();
    const url = 'wss://x.test/';
    expect(() => connectTab(port, { url, classification: { messages: () => 'x' } })).toThrow(
      /classification.messages/,
    );
    expect(() => connectTab(port, { url, maxQueue: -1 })).toThrow(/maxQueue/);
    expect(() => connectTab(port, { url: () => url })).toThrow(/key/);
    expect(() => connectTab(port, { url }, { workerTimeoutMs: 0 })).toThrow(/workerTimeoutMs/);
  });

  it('a malformed message from the worker is dropped and reported in the tab', async () => {
    const [mine, theirs] = pair();
    const tab = connectTab(mine, { url: 'wss://x.test/', environment: false });
    theirs.postMessage({ v: 1, t: 'snapshot', snapshot: { status: 'open' } });
    await flush();
    expect(tab.getSnapshot().status).toBe('idle');
    expect(tab.errors.getState().history[0]).toMatchObject({ code: 'invalid_envelope' });
    tab.close();
  });
});

describe('one error store for two tabs of a page', () => {
  it("keeps each tab's own faults apart (their ids do not collide)", async () => {
    const w = world();
    const errors = createErrorStore({ dedupeWindowMs: 0, recoverableTtlMs: null });
    const a = w.tab({ maxQueue: 1, errors });
    const b = w.tab({ maxQueue: 1, errors });
    await flush();
    a.socket.send('x', 1);
    a.socket.send('x', 2);
    b.socket.send('y', 1);
    b.socket.send('y', 2);
    expect(errors.getState().history.map((f) => f.code)).toEqual([
      'queue_overflow',
      'queue_overflow',
    ]);
  });
});
