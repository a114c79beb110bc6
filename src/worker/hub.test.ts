/**
 * One socket in a SharedWorker, tabs on MessagePorts (issue 21): routing by port and ids,
 * liveness, page-only questions, aggregated browser conditions, the close grace.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, pair, WORLD_URL, world } from '../../test/support/worker-kit.js';
import { request } from '../request/request.js';
import { createHub, HUB_DEFAULTS } from './hub.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** A world with three tabs joined and the one WebSocket open. */
async function three(hubOptions = {}, extra = {}) {
  const w = world(hubOptions);
  const tabs = [w.tab(extra), w.tab(extra), w.tab(extra)] as const;
  await flush();
  w.WebSocket.last().open();
  await flush();
  return { ...w, tabs, ws: w.WebSocket.last() };
}

describe('one socket for every tab', () => {
  it('three tabs on one hub make one WebSocket, and every tab mirrors its snapshot', async () => {
    const { WebSocket, tabs } = await three();
    expect(WebSocket.instances).toHaveLength(1);
    expect(WebSocket.last().url).toBe(WORLD_URL);
    for (const tab of tabs) expect(tab.socket.getSnapshot().status).toBe('open');
  });

  it('a message from the server reaches each tab once', async () => {
    const { ws, tabs } = await three();
    ws.receive({ type: 'chat', data: { text: 'hi' } });
    await flush();
    for (const tab of tabs) expect(tab.messages).toEqual([{ type: 'chat', data: { text: 'hi' } }]);
  });

  it("a send from tab 2 reaches the server once and settles in tab 2 only ('queued', then written)", async () => {
    const { ws, tabs } = await three();
    expect(tabs[1].socket.send('chat', { n: 2 })).toEqual({ status: 'queued' });
    await flush();
    expect(ws.frames()).toEqual([{ type: 'chat', data: { n: 2 } }]);
    for (const tab of tabs) expect(tab.faults()).toEqual([]);
  });

  it("a send the worker's queue refuses puts its fault in the sending tab's store only", async () => {
    const w = world();
    const tabs = [w.tab({ maxQueue: 1 }), w.tab({ maxQueue: 1 }), w.tab({ maxQueue: 1 })] as const;
    await flush();
    // Not open: the worker's queue (1) takes tab 1's send; tab 2's overflows it.
    tabs[0].socket.send('chat', { n: 1 });
    await flush();
    tabs[1].socket.send('chat', { n: 2 });
    await flush();
    expect(tabs[1].faults()).toEqual(['client:queue_overflow']);
    expect(tabs[0].faults()).toEqual([]);
    expect(tabs[2].faults()).toEqual([]);
    w.WebSocket.last().open();
    await flush();
    expect(w.WebSocket.last().frames()).toEqual([{ type: 'chat', data: { n: 1 } }]);
  });

  it('sends queued before the open are written on open and settle as written in their own tab only', async () => {
    const w = world();
    const settled: Array<[number, string]> = [];
    const mk = (i: number) =>
      w.tab({}, { settled: (work, how) => void settled.push([i, `${work.kind}:${how}`]) });
    const tabs = [mk(0), mk(1), mk(2)] as const;
    await flush();
    tabs[1].socket.send('chat', { n: 1 });
    tabs[1].socket.send('chat', { n: 2 });
    await flush();
    expect(settled).toEqual([]);
    w.WebSocket.last().open();
    await flush();
    expect(w.WebSocket.last().frames()).toEqual([
      { type: 'chat', data: { n: 1 } },
      { type: 'chat', data: { n: 2 } },
    ]);
    expect(settled).toEqual([
      [1, 'send:written'],
      [1, 'send:written'],
    ]);
  });

  it('sends still queued when the socket stops fail in the tab that sent them, and nowhere else', async () => {
    const w = world();
    const tabs = [w.tab(), w.tab(), w.tab()] as const;
    await flush();
    // Never opened: a fatal handshake refusal (close 1008 before open) stops it with two queued.
    tabs[2].socket.send('chat', { n: 1 });
    tabs[2].socket.send('chat', { n: 2 });
    await flush();
    w.WebSocket.last().drop(1008, 'policy');
    await flush();
    // In the order a socket of its own would report them (the sends first, then the close).
    expect(tabs[2].faults()).toEqual([
      'client:connection_closed',
      'client:connection_closed',
      'close:1008',
    ]);
    expect(tabs[0].faults()).toEqual(['close:1008']);
    expect(tabs[1].faults()).toEqual(['close:1008']);
  });

  it('a request from tab 3 settles in tab 3 only: its reply reaches no other tab', async () => {
    const { ws, tabs } = await three();
    const asked = request(tabs[2].socket, 'get', { id: 7 });
    await flush();
    const frame = ws.frames()[0];
    expect(frame).toMatchObject({ type: 'get', data: { id: 7 } });
    const id = frame?.meta?.request_id;
    ws.receive({ type: 'got', data: { ok: true }, meta: { request_id: id } });
    await flush();
    await expect(asked).resolves.toMatchObject({ type: 'got', data: { ok: true } });
    expect(tabs[2].messages).toHaveLength(1);
    expect(tabs[0].messages).toEqual([]);
    expect(tabs[1].messages).toEqual([]);
  });

  it("a request's timeout is a fault in the asking tab's store only, and rejects there", async () => {
    const { tabs } = await three();
    const asked = request(tabs[2].socket, 'get', {}, { timeoutMs: 1000 });
    const caught = asked.catch((error: unknown) => error);
    await advance(1000);
    expect(await caught).toMatchObject({ fault: { code: 'request_timeout' } });
    expect(tabs[2].faults()).toEqual(['client:request_timeout']);
    expect(tabs[0].faults()).toEqual([]);
    expect(tabs[1].faults()).toEqual([]);
  });

  it("an error envelope answering tab 1's request is a fault in tab 1's store only", async () => {
    const { ws, tabs } = await three();
    const asked = request(tabs[0].socket, 'get', {}).catch((error: unknown) => error);
    await flush();
    const id = ws.frames()[0]?.meta?.request_id;
    ws.receive({
      type: 'error',
      data: { code: 4001, message: 'no such room' },
      meta: { request_id: id },
    });
    await flush();
    expect(await asked).toMatchObject({ fault: { source: 'envelope', code: 4001 } });
    expect(tabs[0].faults()).toEqual(['envelope:4001']);
    expect(tabs[1].faults()).toEqual([]);
    expect(tabs[2].faults()).toEqual([]);
  });

  it("a connection fault reaches every tab's store once", async () => {
    const { ws, tabs } = await three();
    ws.drop(1006);
    await flush();
    for (const tab of tabs) expect(tab.faults()).toEqual(['close:1006']);
  });

  it('a request whose worker goes silent times out in the tab by itself (timeout + requestGraceMs)', async () => {
    const w = world();
    const tab = w.tab({}, { requestGraceMs: 500 });
    await flush();
    w.WebSocket.last().open();
    await flush();
    // The worker stops answering this tab (its side of the port freezes).
    const caught = request(tab.socket, 'get', {}, { timeoutMs: 1000 }).catch((e: unknown) => e);
    await flush();
    // Nothing reaches the tab from now on.
    tab.port.freeze();
    await advance(1499);
    expect(tab.faults()).toEqual([]);
    await advance(1);
    expect(await caught).toMatchObject({ fault: { code: 'request_timeout' } });
    expect(tab.faults()).toEqual(['client:request_timeout']);
  });
});

describe('liveness and page-only questions', () => {
  it('a tab that stops answering is dropped within tabTimeoutMs + pingIntervalMs, and its url() question is asked of another tab', async () => {
    const { pingIntervalMs, tabTimeoutMs } = HUB_DEFAULTS;
    // A long ask timeout: only the drop can move the question on.
    const w = world({ askTimeoutMs: 600_000 });
    const urlOf = (n: number) => () => Promise.resolve(`${WORLD_URL}?tab=${n}`);
    // Its own death rule off: a crashed page says nothing (this one would say hello again).
    const first = w.tab({ url: urlOf(1) }, { key: 'chat', workerTimeoutMs: 600_000 });
    // Frozen before the worker asks it anything: a crashed page.
    first.port.freeze();
    w.tab({ url: urlOf(1) }, { key: 'chat' });
    await flush();
    expect(w.WebSocket.instances).toHaveLength(0);
    await advance(tabTimeoutMs + pingIntervalMs - 1);
    expect(w.WebSocket.instances).toHaveLength(0);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(1);
    // The second tab answered (both functions read the same: they must, to share).
    expect(w.WebSocket.last().url).toBe(`${WORLD_URL}?tab=1`);
  });

  it('a question not answered in askTimeoutMs goes to the next tab', async () => {
    const w = world({ askTimeoutMs: 1000 });
    let calls = 0;
    const url = () => {
      calls += 1;
      if (calls === 1) return new Promise<string>(() => {}); // hangs
      return Promise.resolve(WORLD_URL);
    };
    const a = w.tab({ url }, { key: 'k' });
    w.tab({ url }, { key: 'k' });
    await advance(999);
    expect(w.WebSocket.instances).toHaveLength(0);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(1);
    expect(a.faults()).toEqual([]);
  });

  it('a url() that throws in the page is a url_failed fault in every store, and the socket retries', async () => {
    const w = world();
    let calls = 0;
    const url = () => {
      calls += 1;
      if (calls === 1) throw new Error('token service down');
      return WORLD_URL;
    };
    const tabs = [w.tab({ url }, { key: 'k' }), w.tab({ url }, { key: 'k' })] as const;
    await flush();
    for (const tab of tabs) expect(tab.faults()).toEqual(['client:url_failed']);
    expect(tabs[0].socket.getSnapshot().status).toBe('reconnecting');
    await advance(1000);
    expect(w.WebSocket.instances).toHaveLength(1);
  });

  it('a tab the worker dropped (it was frozen) says hello again when it thaws, and its pending work failed', async () => {
    const w = world();
    // Its own death rule off: the drop is what this test is about.
    const tab = w.tab({}, { workerTimeoutMs: 600_000 });
    const other = w.tab();
    await flush();
    w.WebSocket.last().open();
    await flush();
    const caught = request(tab.socket, 'get', {}, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await flush();
    tab.port.freeze();
    await advance(15_000);
    // Dropped: its request was aborted in the worker (its frame was written already).
    tab.port.thaw();
    await flush();
    expect(await caught).toMatchObject({
      fault: {
        code: 'connection_closed',
        detail: { cause: expect.stringMatching(/may have arrived/) },
      },
    });
    // One for the link (resolved on the welcome), one for the request.
    expect(tab.faults()).toEqual(['client:connection_closed', 'client:connection_closed']);
    expect(tab.socket.getSnapshot().status).toBe('open');
    w.WebSocket.last().receive({ type: 'chat', data: 1 });
    await flush();
    expect(tab.messages).toEqual([{ type: 'chat', data: 1 }]);
    expect(other.messages).toEqual([{ type: 'chat', data: 1 }]);
    expect(other.faults()).toEqual([]);
  });

  it('a worker that stops pinging fails the tab’s pending sends within workerTimeoutMs (+ a quarter)', async () => {
    // Pings every second: workerTimeoutMs (3 s) is more than two intervals, so it holds as given.
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 60_000 });
    const tab = w.tab({}, { workerTimeoutMs: 3000 });
    await flush();
    // Never opens, so the send stays queued in the worker; then the worker hangs.
    tab.socket.send('chat', 1);
    await flush();
    tab.port.freeze();
    await advance(3749);
    expect(tab.faults()).toEqual([]);
    await advance(1);
    // One for the worker, one for the send.
    expect(tab.faults()).toEqual(['client:connection_closed', 'client:connection_closed']);
    expect(tab.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
  });

  it('the reply to a request of a tab that left reaches no tab', async () => {
    const { ws, tabs } = await three();
    const caught = request(tabs[0].socket, 'get', {}).catch((e: unknown) => e);
    await flush();
    const id = ws.frames()[0]?.meta?.request_id;
    tabs[0].socket.close();
    await flush();
    expect(await caught).toMatchObject({ fault: { code: 'connection_closed' } });
    ws.receive({ type: 'got', meta: { request_id: id } });
    await flush();
    for (const tab of tabs) expect(tab.messages).toEqual([]);
  });

  it('all tabs offline: a drop waits for online; one tab online retries at once', async () => {
    const { ws, tabs, WebSocket } = await three();
    for (const tab of tabs.slice(0, 2)) tab.browser.offline();
    await flush();
    tabs[2].browser.offline();
    await flush();
    ws.drop(1006);
    await flush();
    expect(tabs[0].socket.getSnapshot()).toMatchObject({
      status: 'reconnecting',
      nextRetryAt: null,
    });
    await advance(60_000);
    expect(WebSocket.instances).toHaveLength(1);
    tabs[1].browser.online();
    await flush();
    expect(WebSocket.instances).toHaveLength(2);
  });

  it('all tabs hidden: retries pause; one visible: they resume', async () => {
    const { ws, tabs, WebSocket } = await three();
    ws.drop(1006);
    await flush();
    expect(tabs[0].socket.getSnapshot()).toMatchObject({ status: 'reconnecting' });
    expect(tabs[0].socket.getSnapshot()).not.toMatchObject({ nextRetryAt: null });
    tabs[0].browser.hide();
    tabs[1].browser.hide();
    await flush();
    // One tab still visible: the retry goes on.
    expect(tabs[2].socket.getSnapshot()).not.toMatchObject({ nextRetryAt: null });
    tabs[2].browser.hide();
    await flush();
    expect(tabs[2].socket.getSnapshot()).toMatchObject({
      status: 'reconnecting',
      nextRetryAt: null,
    });
    await advance(60_000);
    expect(WebSocket.instances).toHaveLength(1);
    tabs[1].browser.show();
    await advance(1000);
    expect(WebSocket.instances).toHaveLength(2);
  });

  it('the last tab gone: the socket closes after closeGraceMs, not before', async () => {
    const { ws, tabs } = await three({ closeGraceMs: 3000 });
    tabs[0].socket.close();
    tabs[1].browser.pagehide();
    await flush();
    expect(ws.closedByClient).toBeNull();
    tabs[2].socket.close();
    await advance(2999);
    expect(ws.closedByClient).toBeNull();
    await advance(1);
    expect(ws.closedByClient).toMatchObject({ code: 1000 });
  });

  it('a tab that comes back within the grace keeps the connection (a reload)', async () => {
    const w = world({ closeGraceMs: 3000 });
    const a = w.tab();
    await flush();
    w.WebSocket.last().open();
    await flush();
    a.socket.close();
    await advance(2000);
    const b = w.tab();
    await advance(10_000);
    expect(w.WebSocket.instances).toHaveLength(1);
    expect(w.WebSocket.last().closedByClient).toBeNull();
    expect(b.socket.getSnapshot().status).toBe('open');
  });
});

describe('never trust the other side', () => {
  it('a malformed port message is dropped and reported; the hub goes on', async () => {
    const { ws, tabs, problems } = await three();
    tabs[0].port.postMessage({ v: 1, t: 'send', id: -1, type: 'x', data: 1 });
    tabs[0].port.postMessage('garbage');
    tabs[0].port.postMessage({ v: 2, t: 'bye' });
    await flush();
    expect(problems).toHaveLength(3);
    expect(tabs[0].faults()).toEqual([
      'client:invalid_envelope',
      'client:invalid_envelope',
      'client:invalid_envelope',
    ]);
    expect(tabs[1].faults()).toEqual([]);
    tabs[0].socket.send('chat', { ok: 1 });
    await flush();
    expect(ws.frames()).toEqual([{ type: 'chat', data: { ok: 1 } }]);
  });

  it('tabs asking for one key with other options are refused, naming the option', async () => {
    const w = world();
    w.tab({ maxQueue: 5 });
    const b = w.tab({ maxQueue: 6 });
    await flush();
    expect(b.socket.getSnapshot().status).toBe('failed');
    expect(b.socket.errors.getState().history[0]?.detail.cause).toContain('maxQueue');
    // Refused, it waits: no watchdog fault, no hello loop.
    await advance(60_000);
    expect(b.faults()).toEqual(['client:connection_closed']);
  });

  it('a refused tab joins with reconnect() once the socket of its key is gone', async () => {
    const w = world({ closeGraceMs: 100 });
    const a = w.tab({ maxQueue: 5 });
    const b = w.tab({ maxQueue: 6 });
    await flush();
    a.socket.close();
    await advance(100);
    b.socket.reconnect();
    await flush();
    expect(w.WebSocket.instances).toHaveLength(2);
    expect(b.socket.getSnapshot().status).toBe('connecting');
  });

  it('a hello with an option a tab may not give is refused naming it (the worker picks its WebSocket)', async () => {
    const w = world();
    const tab = w.tab();
    await flush();
    const [mine, theirs] = pair();
    w.hub.connect(theirs);
    const seen: unknown[] = [];
    mine.addEventListener('message', (event) => void seen.push(event.data));
    mine.postMessage({
      v: 1,
      t: 'hello',
      key: 'other',
      options: { url: WORLD_URL, WebSocket: 'x' },
      visible: true,
      online: true,
    });
    await flush();
    expect(seen).toMatchObject([
      { t: 'refused', fault: { detail: { cause: expect.stringMatching(/WebSocket/) } } },
    ]);
    expect(w.WebSocket.instances).toHaveLength(1);
    expect(tab.faults()).toEqual([]);
  });

  it('the hub checks its options at construction, naming the bad one', () => {
    expect(() => createHub({ pingIntervalMs: Number.NaN })).toThrow(/pingIntervalMs/);
    expect(() => createHub({ pingIntervalMs: 60_001, tabTimeoutMs: 2e5 })).toThrow(
      /pingIntervalMs/,
    );
    expect(() => createHub({ pingIntervalMs: 5000, tabTimeoutMs: 6000 })).toThrow(/tabTimeoutMs/);
    expect(() => createHub({ tabTimeoutMs: 1e4, askTimeoutMs: 0 })).toThrow(/askTimeoutMs/);
  });
});
