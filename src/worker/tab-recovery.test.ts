/**
 * What a tab does when its worker comes back: the fault of the silence is resolved, and a late
 * reply to work of before never reaches `on()` handlers as a message.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, world } from '../../test/support/worker-kit.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const active = (tab: { socket: { errors: { getState(): { active: readonly unknown[] } } } }) =>
  tab.socket.errors
    .getState()
    .active.map((f) => String(Reflect.get(Reflect.get(f as object, 'detail'), 'cause')));

describe('the worker answers again', () => {
  it("resolves the tab's own 'worker did not answer' fault (history keeps it)", async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 60_000 });
    const tab = w.tab({}, { workerTimeoutMs: 3000 });
    await flush();
    w.WebSocket.last().open();
    await flush();
    tab.port.freeze();
    await advance(5000);
    expect(active(tab)).toEqual(['the shared worker did not answer for 3000 ms']);
    tab.port.thaw();
    await advance(1000);
    expect(tab.socket.getSnapshot().status).toBe('open');
    expect(active(tab)).toEqual([]);
    expect(tab.faults()).toEqual(['client:connection_closed']);
  });

  it("resolves the 'dropped' fault once the worker welcomes the tab again", async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 2000 });
    const tab = w.tab({}, { workerTimeoutMs: 60_000 });
    await flush();
    w.WebSocket.last().open();
    await flush();
    // The tab hears nothing (its page hangs), so it answers no ping: the worker drops it.
    tab.port.freeze();
    await advance(3500);
    tab.port.thaw();
    await flush();
    expect(tab.faults()).toContain('client:connection_closed');
    await advance(1000);
    expect(active(tab)).toEqual([]);
    expect(tab.socket.getSnapshot().status).toBe('open');
  });
});

describe('a late reply to a tab that rejoined', () => {
  it('after a drop, reaches none of its on() handlers (nor any other tab)', async () => {
    const w = world();
    const tab = w.tab();
    const other = w.tab();
    await flush();
    const ws = w.WebSocket.last();
    ws.open();
    await flush();
    const caught = request(tab.socket, 'get', {}, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await flush();
    const id = ws.frames()[0]?.meta?.request_id;
    // The tab hangs: the worker drops it; the tab, judging the worker silent, says hello again.
    tab.port.freeze();
    await advance(16_000);
    tab.port.thaw();
    await advance(100);
    expect(await caught).toMatchObject({ fault: { code: 'connection_closed' } });
    expect(tab.socket.getSnapshot().status).toBe('open');
    ws.receive({ type: 'got', data: 'late', meta: { request_id: id } });
    ws.receive({ type: 'chat', data: 'after' });
    await flush();
    expect(tab.messages).toEqual([{ type: 'chat', data: 'after' }]);
    expect(other.messages).toEqual([{ type: 'chat', data: 'after' }]);
  });

  it('after close() and connect(), reaches none of its on() handlers', async () => {
    const w = world();
    const tab = w.tab();
    await flush();
    const ws = w.WebSocket.last();
    ws.open();
    await flush();
    const caught = request(tab.socket, 'get', {}).catch((e: unknown) => e);
    await flush();
    const id = ws.frames()[0]?.meta?.request_id;
    tab.socket.close();
    tab.socket.connect();
    await flush();
    expect(await caught).toMatchObject({ fault: { code: 'connection_closed' } });
    ws.receive({ type: 'got', data: 'late', meta: { request_id: id } });
    await flush();
    expect(tab.messages).toEqual([]);
  });

  it("a reply the worker marks for a request this tab no longer has is not a message (the tab's own timer went first)", async () => {
    const w = world();
    const tab = w.tab({}, { requestGraceMs: 0 });
    await flush();
    const ws = w.WebSocket.last();
    ws.open();
    await flush();
    const caught = request(tab.socket, 'get', {}, { timeoutMs: 1000 }).catch((e: unknown) => e);
    await flush();
    const id = ws.frames()[0]?.meta?.request_id;
    // The worker's answer is on its way when the tab's timer fires.
    tab.port.freeze();
    ws.receive({ type: 'got', data: 'late', meta: { request_id: id } });
    await advance(1000);
    expect(await caught).toMatchObject({ fault: { code: 'request_timeout' } });
    tab.port.thaw();
    await flush();
    expect(tab.messages).toEqual([]);
  });
});

describe("the worker's ping interval, told in its welcome", () => {
  it('a worker silent for less than two intervals is not judged dead, even past workerTimeoutMs', async () => {
    const w = world({ pingIntervalMs: 8000, tabTimeoutMs: 60_000 });
    // No heartbeat: the fake server does not answer pings, and only the worker link is at stake.
    const tab = w.tab({ heartbeat: false }, { workerTimeoutMs: 3000 });
    await flush();
    w.WebSocket.last().open();
    await flush();
    // A healthy worker: 8 s between pings, more than workerTimeoutMs.
    await advance(40_000);
    expect(tab.faults()).toEqual([]);
    expect(tab.socket.getSnapshot().status).toBe('open');
    // Silent from 40 s (its last ping): judged at the first check after two intervals (16 s),
    // the checks every workerTimeoutMs / 3.
    tab.port.freeze();
    await advance(16_000);
    expect(tab.faults()).toEqual([]);
    await advance(1000);
    expect(tab.faults()).toEqual(['client:connection_closed']);
    expect(tab.socket.errors.getState().history[0]?.detail.cause).toBe(
      'the shared worker did not answer for 16000 ms',
    );
  });
});
