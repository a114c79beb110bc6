/**
 * A durable outbox with tab sharing (issues 21 and 22): it lives in the SharedWorker, beside the
 * shared socket (`serveSharedSocket({ outbox: indexedDbOutbox })`), made from the settings the tabs
 * give as data. A tab's `durable(result)` says when the worker kept the send; when the worker dies,
 * the tab asks the next one to follow each send kept on the device (by its id) instead of sending
 * it again, and the next worker's outbox resumes the session and sends them under their seqs:
 * exactly once across a worker death, where without an outbox it is at least once.
 */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { helloOf, pushOn, receiptOf, watch, welcomeOn } from '../../test/support/delivery-wire.js';
import { seqServer } from '../../test/support/seq-server.js';
import { advance, flush, pair, WORLD_URL, world } from '../../test/support/worker-kit.js';
import { IDLE } from '../core/machine.js';
import type { Socket } from '../core/types.js';
import { delivery } from '../delivery/plugin.js';
import { outboxOf } from '../outbox/channel.js';
import { memoryStorage } from '../outbox/memory.js';
import { durable, indexedDbOutbox } from '../outbox/outbox.js';
import type { OutboxStorage } from '../outbox/storage.js';
import type { HubOptions } from './hub-options.js';
import { connectTab } from './tab.js';
import type { PortLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/**
 * A storage that can be stopped, as a worker that dies stops writing: every operation after
 * `stop()` never settles (a dead worker's transactions never commit).
 */
function stoppable(inner: OutboxStorage) {
  let stopped = false;
  const gate =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      stopped ? new Promise<R>(() => {}) : fn(...args);
  const storage: OutboxStorage = {
    load: gate(inner.load.bind(inner)),
    add: gate(inner.add.bind(inner)),
    ack: gate(inner.ack.bind(inner)),
    discard: gate(inner.discard.bind(inner)),
    saveSession: gate(inner.saveSession.bind(inner)),
    rewrite: gate(inner.rewrite.bind(inner)),
    clear: gate(inner.clear.bind(inner)),
    close: () => {},
  };
  const stop = () => {
    stopped = true;
  };
  return { storage, stop };
}

/** What a worker file gives: `indexedDbOutbox`, here over `storage` and without Web Locks. */
const outboxOver = (storage: OutboxStorage) => (settings: Parameters<typeof indexedDbOutbox>[0]) =>
  indexedDbOutbox({ ...settings, storage, locks: null });

/** What a tab gives: the outbox's settings only (they cross to the worker as data). */
const tabOptions = (user = 'ann') => ({
  url: WORLD_URL,
  heartbeat: false as const,
  environment: false as const,
  errors: { dedupeWindowMs: 0, recoverableTtlMs: null },
  delivery: delivery({ outbox: indexedDbOutbox({ user }) }),
});

/**
 * A tab on a factory of workers: the first port goes to `old`, every later one to `next`; both
 * keep their outbox in one device storage, the old one's stopped when it dies.
 */
function twoWorkers() {
  const device = memoryStorage();
  const oldStore = stoppable(device);
  const old = world({
    pingIntervalMs: 1000,
    tabTimeoutMs: 600_000,
    outbox: outboxOver(oldStore.storage),
  });
  const next = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000, outbox: outboxOver(device) });
  const made: Array<ReturnType<typeof pair>[0]> = [];
  const socket: Socket = connectTab((): PortLike => {
    const [mine, theirs] = pair();
    (made.length === 0 ? old : next).hub.connect(theirs);
    made.push(mine);
    return mine;
  }, tabOptions());
  /** The old worker dies: its ports are severed and its storage writes nothing more. */
  const kill = () => {
    oldStore.stop();
    made[0]?.sever();
  };
  /** The tab finds the old worker dead and makes the next one: that worker's WebSocket. */
  const nextSocket = async () => {
    while (made.length < 2) vi.advanceTimersByTime(50);
    await advance(100);
    return next.WebSocket.last();
  };
  return { device, old, next, made, socket, kill, stopWrites: oldStore.stop, nextSocket };
}

describe('a durable outbox in the shared worker', () => {
  it("the worker file's line, serveSharedSocket({ outbox: indexedDbOutbox }), type-checks", () => {
    expectTypeOf(indexedDbOutbox).toMatchTypeOf<NonNullable<HubOptions['outbox']>>();
  });

  it('the worker dies with sends processed but unacknowledged: the next worker resumes the session from the device and the tab follows them by id; each is processed exactly once, in order', async () => {
    const { old, socket, kill, nextSocket } = twoWorkers();
    const srv = seqServer();
    await advance(10);
    await srv.opened(old.WebSocket.last());
    await flush();
    const send = (n: number) => socket.send('chat', { tab: 0, n });
    const results = [send(1), send(2), send(3)];
    const r = results.map((x) => watch(receiptOf(x)));
    const kept = results.map((x) => watch(durable(x)));
    await flush();
    srv.serve(old.WebSocket.last());
    expect(kept.map((k) => k.value)).toEqual([true, true, true]);
    // The server processed 1-3 and acknowledged 1 only; the worker dies with 2 and 3 unacked.
    srv.ack(old.WebSocket.last(), 1);
    await flush();
    expect(r.map((x) => x.value ?? '-')).toEqual(['acknowledged', '-', '-']);
    kill();
    // Handed to the dead worker, never told kept: sent again as data to the next one.
    r.push(watch(receiptOf(send(4))));
    await flush();
    const ws = await nextSocket();
    await srv.opened(ws);
    await flush();
    srv.serve(ws);
    // The same session, resumed: 2 and 3 go under their seqs (the server drops them), 4 after.
    expect(srv.processed.map((p) => `${p.session}:${p.mark.n}`)).toEqual([
      's1:1',
      's1:2',
      's1:3',
      's1:4',
    ]);
    srv.ack(ws);
    await flush();
    expect(r.map((x) => x.value)).toEqual(Array(4).fill('acknowledged'));
    expect(srv.gaps).toEqual([]);
    socket.close();
  });

  it("messages the new worker replays from the outbox's kept highest seq (it lags) reach the tabs' handlers once, and a replayed reply to a request of the dead worker reaches none", async () => {
    const { old, socket, kill, nextSocket } = twoWorkers();
    const news: number[] = [];
    socket.on('news', (e) => void news.push(e.data as number));
    await advance(10);
    const first = old.WebSocket.last();
    first.open();
    await flush();
    welcomeOn(first);
    for (const seq of [1, 2]) pushOn(first, seq);
    // The outbox keeps the highest seq seen at most once a second: 2 is kept, 3 to 5 are not yet.
    await advance(1100);
    for (const seq of [3, 4, 5]) pushOn(first, seq);
    await flush();
    expect(news).toEqual([1, 2, 3, 4, 5]);
    kill();
    const ws = await nextSocket();
    ws.open();
    await flush();
    expect(helloOf(ws).data).toMatchObject({ session: 's1', last_seq: 2 });
    welcomeOn(ws, { resumed: true, seq: 7, replay: 5 });
    for (const seq of [3, 4, 5, 6]) pushOn(ws, seq);
    // The reply to a request made through the worker that died: nobody's here, not every tab's.
    const replies: unknown[] = [];
    socket.on('joined', (e) => void replies.push(e.data));
    ws.receive({ type: 'joined', data: 'r', meta: { seq: 7, request_id: 'from-the-dead-worker' } });
    await flush();
    expect(news).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replies).toEqual([]);
    socket.close();
  });

  it('a send whose write on the device had not committed when the worker died never went on the wire there: the tab hands it again and it is processed once', async () => {
    const { old, socket, kill, stopWrites, nextSocket } = twoWorkers();
    const srv = seqServer();
    await advance(10);
    await srv.opened(old.WebSocket.last());
    await flush();
    // The old worker's device stops committing: its write of this send never settles.
    stopWrites();
    const r = watch(receiptOf(socket.send('chat', { tab: 0, n: 1 })));
    await advance(100);
    srv.serve(old.WebSocket.last());
    expect(srv.marks()).toEqual([]);
    kill();
    const ws = await nextSocket();
    await srv.opened(ws);
    await flush();
    srv.serve(ws);
    srv.ack(ws);
    await flush();
    expect(srv.marks().map((m) => m.n)).toEqual([1]);
    expect(r.value).toBe('acknowledged');
    socket.close();
  });

  describe("the worker kept and wrote a send, then crashed before its word of it reached the tab (the tab hands it again): the next worker knows it by the tab's tag", () => {
    /** The tab hears nothing more of the old worker (its messages die with it), then it dies. */
    async function crashAfterKeeping(acked: boolean) {
      const w = twoWorkers();
      const srv = seqServer();
      await advance(10);
      await srv.opened(w.old.WebSocket.last());
      await flush();
      (w.made[0] as ReturnType<typeof pair>[0]).freeze();
      const result = w.socket.send('chat', { tab: 0, n: 1 });
      const r = watch(receiptOf(result));
      const kept = watch(durable(result));
      await flush();
      srv.serve(w.old.WebSocket.last());
      if (acked) srv.ack(w.old.WebSocket.last());
      await flush();
      expect(srv.marks().map((m) => m.n)).toEqual([1]);
      expect([r.value, kept.value]).toEqual([undefined, undefined]);
      w.kill();
      const ws = await w.nextSocket();
      await srv.opened(ws);
      await flush();
      srv.serve(ws);
      srv.ack(ws);
      await flush();
      return { ...w, srv, r, kept, ws };
    }

    it('kept and processed, not acknowledged: the next worker resumes it under its seq (the server drops it) and the tab follows it: processed once', async () => {
      const { srv, r, kept, socket } = await crashAfterKeeping(false);
      expect(srv.marks().map((m) => m.n)).toEqual([1]);
      expect(srv.gaps).toEqual([]);
      expect([r.value, kept.value]).toEqual(['acknowledged', true]);
      socket.close();
    });

    it('kept, processed and acknowledged (removed from the device): the next worker knows its tag from the acknowledged ids and says so, without sending it', async () => {
      const { srv, r, kept, socket, next } = await crashAfterKeeping(true);
      expect(srv.marks().map((m) => m.n)).toEqual([1]);
      expect([r.value, kept.value]).toEqual(['acknowledged', true]);
      // Nothing of the app's went on the next worker's wire.
      const chats = next.WebSocket.last()
        .frames()
        .filter((f) => f.type === 'chat');
      expect(chats).toEqual([]);
      socket.close();
    });

    it('the sends after it go once, in order, in the same session', async () => {
      const { srv, socket, ws } = await crashAfterKeeping(false);
      const later = [2, 3].map((n) => watch(receiptOf(socket.send('chat', { tab: 0, n }))));
      await flush();
      srv.serve(ws);
      srv.ack(ws);
      await flush();
      expect(srv.processed.map((p) => `${p.session}:${p.mark.n}`)).toEqual([
        's1:1',
        's1:2',
        's1:3',
      ]);
      expect(later.map((x) => x.value)).toEqual(['acknowledged', 'acknowledged']);
      socket.close();
    });
  });

  describe('a tab takes a LIVE worker for dead (its words held up, a new port reaches the same worker) and hands a send again: the worker knows its tag and follows it, processed once', () => {
    /** One worker on `storage`; the tab's ports all reach it; its first port stalls at once. */
    async function stalledTab(storage: OutboxStorage) {
      const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000, outbox: outboxOver(storage) });
      const made: Array<ReturnType<typeof pair>[0]> = [];
      const socket = connectTab((): PortLike => {
        const [mine, theirs] = pair();
        w.hub.connect(theirs);
        made.push(mine);
        return mine;
      }, tabOptions());
      const srv = seqServer();
      await advance(10);
      await srv.opened(w.WebSocket.last());
      await flush();
      (made[0] as ReturnType<typeof pair>[0]).freeze();
      return { w, made, socket, srv };
    }

    it('a send it kept: followed by its tag, durable', async () => {
      const { w, made, socket, srv } = await stalledTab(memoryStorage());
      const result = socket.send('chat', { tab: 0, n: 1 });
      const r = watch(receiptOf(result));
      const kept = watch(durable(result));
      await flush();
      srv.serve(w.WebSocket.last());
      expect(srv.marks().map((m) => m.n)).toEqual([1]);
      while (made.length < 2) vi.advanceTimersByTime(50);
      await advance(100);
      srv.serve(w.WebSocket.last());
      srv.ack(w.WebSocket.last());
      await flush();
      expect(w.WebSocket.instances).toHaveLength(1);
      expect(srv.marks().map((m) => m.n)).toEqual([1]);
      expect([r.value, kept.value]).toEqual(['acknowledged', true]);
      socket.close();
    });

    it('a send whose write on the device is still pending (stalled past the death rule): known by its tag from the start, followed, and told not durable when the write gives up', async () => {
      const device = stoppable(memoryStorage());
      const { w, made, socket, srv } = await stalledTab(device.storage);
      device.stop();
      const result = socket.send('chat', { tab: 0, n: 1 });
      const r = watch(receiptOf(result));
      const kept = watch(durable(result));
      await flush();
      // The tab hands it again (about 2.5 s) before the write's bound (loadTimeoutMs, 3 s) ends.
      while (made.length < 2) vi.advanceTimersByTime(50);
      await advance(100);
      srv.serve(w.WebSocket.last());
      expect(srv.marks()).toEqual([]);
      // The write gives up: the send goes once, not durable (long enough for a second copy's
      // write to give up too, had the worker taken the one handed again for new).
      await advance(3500);
      srv.serve(w.WebSocket.last());
      srv.ack(w.WebSocket.last());
      await flush();
      expect(srv.marks().map((m) => m.n)).toEqual([1]);
      expect([r.value, kept.value]).toEqual(['acknowledged', false]);
      socket.close();
    });
  });

  it('without an outbox the same death sends 2 and 3 twice (the contrast: at least once)', async () => {
    const old = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const next = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const made: Array<ReturnType<typeof pair>[0]> = [];
    const { delivery: _, ...plain } = tabOptions();
    const socket = connectTab(
      (): PortLike => {
        const [mine, theirs] = pair();
        (made.length === 0 ? old : next).hub.connect(theirs);
        made.push(mine);
        return mine;
      },
      { ...plain, delivery: delivery() },
    );
    const srv = seqServer();
    await advance(10);
    await srv.opened(old.WebSocket.last());
    for (const n of [1, 2, 3]) socket.send('chat', { tab: 0, n });
    await flush();
    srv.serve(old.WebSocket.last());
    srv.ack(old.WebSocket.last(), 1);
    await flush();
    made[0]?.sever();
    while (made.length < 2) vi.advanceTimersByTime(50);
    await advance(100);
    await srv.opened(next.WebSocket.last());
    await flush();
    srv.serve(next.WebSocket.last());
    expect(srv.marks().map((m) => m.n)).toEqual([1, 2, 3, 2, 3]);
    socket.close();
  });

  it("every tab's outboxOf(socket) shows the worker's outbox: what an earlier worker kept is listed, settles acknowledged, and a discard in a tab gives it up in the worker", async () => {
    const device = memoryStorage();
    // An earlier worker kept two sends and died before any ack.
    const early = world({ outbox: outboxOver(device) });
    const first = early.tab(tabOptions());
    await advance(10);
    const srv = seqServer();
    await srv.opened(early.WebSocket.last());
    const a = first.socket.send('chat', { tab: 0, n: 1 });
    const b = first.socket.send('chat', { tab: 0, n: 2 });
    await flush();
    expect([await durable(a), await durable(b)]).toEqual([true, true]);
    // A new worker (the page reloaded, the server down meanwhile): two tabs on it.
    const w = world({ outbox: outboxOver(device) });
    const t1 = w.tab(tabOptions());
    const t2 = w.tab(tabOptions());
    await advance(10);
    const shown = () => outboxOf(t2.socket).getSnapshot();
    expect(shown().status).toBe('durable');
    expect(shown().kept.map((k) => `${(k.data as { n: number }).n}:${k.status}`)).toEqual([
      '1:pending',
      '2:pending',
    ]);
    const second = shown().kept[1]?.id as string;
    expect(outboxOf(t1.socket).discard(second)).toBe(true);
    await flush();
    expect(shown().kept.map((k) => k.status)).toEqual(['pending', 'failed']);
    const ws = w.WebSocket.last();
    await srv.opened(ws);
    await flush();
    srv.ack(ws);
    await flush();
    expect(shown().kept.map((k) => k.status)).toEqual(['acknowledged', 'failed']);
    expect(srv.marks().map((m) => m.n)).toEqual([1]);
    t1.socket.close();
    t2.socket.close();
  });

  it('the last tab goes with sends unacknowledged: the worker closes its socket after its grace and linger, and what was kept stays on the device for the next worker, which sends it once', async () => {
    const device = memoryStorage();
    const srv = seqServer();
    const w = world({ outbox: outboxOver(device), closeGraceMs: 100, lingerMs: 200 });
    const t = w.tab(tabOptions());
    await advance(10);
    const ws = w.WebSocket.last();
    await srv.opened(ws);
    const sent = [1, 2].map((n) => t.socket.send('chat', { tab: 0, n }));
    await flush();
    expect(await Promise.all(sent.map(durable))).toEqual([true, true]);
    srv.serve(ws);
    // Processed, never acknowledged: the page closes, the worker lingers, then lets the socket go.
    t.socket.close();
    await advance(1000);
    expect(ws.readyState).toBe(3);
    expect((await device.load('default', 'ann')).messages.map((m) => m.seq)).toEqual([1, 2]);
    const next = world({ outbox: outboxOver(device) });
    const t2 = next.tab(tabOptions());
    await advance(10);
    const ws2 = next.WebSocket.last();
    await srv.opened(ws2);
    srv.ack(ws2);
    await flush();
    expect(srv.marks().map((m) => m.n)).toEqual([1, 2]);
    expect(
      outboxOf(t2.socket)
        .getSnapshot()
        .kept.map((k) => k.status),
    ).toEqual(['acknowledged', 'acknowledged']);
    t2.socket.close();
  });

  it('a worker file that gave no outbox refuses the tab, naming the fix; a tab with its own storage is refused at once', async () => {
    const w = world();
    const t = w.tab(tabOptions());
    await advance(10);
    expect(t.socket.getSnapshot().status).toBe('failed');
    expect(t.socket.getSnapshot().lastFault?.detail.cause).toMatch(
      /serveSharedSocket\(\{ outbox: indexedDbOutbox \}\)/,
    );
    const own = indexedDbOutbox({ user: 'ann', storage: memoryStorage(), locks: null });
    expect(() =>
      connectTab(pair()[0], { ...tabOptions(), delivery: delivery({ outbox: own }) }),
    ).toThrow(/delivery\.outbox with its own storage or locks cannot cross/);
  });

  it("the worker checks a tab's outbox settings in every build (a tab is another party): no user, an unknown key", async () => {
    const w = world({ outbox: outboxOver(memoryStorage()) });
    for (const [outbox, named] of [
      [{ key: 'k' }, /delivery\.outbox\.user/],
      [{ user: 'ann', storage: 'idb' }, /delivery\.outbox\.storage/],
      [{ user: '' }, /delivery\.outbox\.user/],
    ] as const) {
      const [mine, theirs] = pair();
      w.hub.connect(theirs);
      const told: unknown[] = [];
      mine.addEventListener('message', (event) => void told.push(event.data));
      mine.start?.();
      mine.postMessage({
        v: 1,
        t: 'hello',
        key: `k-${JSON.stringify(outbox)}`,
        options: { url: WORLD_URL, delivery: { maxUnacked: 10, outbox } },
        visible: true,
        online: true,
      });
      await flush();
      const refused = told.find((m) => (m as { t: string }).t === 'refused') as
        | { fault: { detail: { cause: string } } }
        | undefined;
      expect(refused?.fault.detail.cause).toMatch(named);
    }
  });

  it('a tab follows at most delivery.maxUnacked sends by id: one more is refused queue_overflow, never kept waiting', async () => {
    const w = world({ outbox: outboxOver(memoryStorage()) });
    const [mine, theirs] = pair();
    w.hub.connect(theirs);
    mine.start?.();
    mine.postMessage({
      v: 1,
      t: 'hello',
      key: 'k',
      options: { url: WORLD_URL, delivery: { maxUnacked: 2, outbox: { user: 'ann' } } },
      visible: true,
      online: true,
    });
    await flush();
    for (const id of [1, 2, 3]) mine.postMessage({ v: 1, t: 'adopt', id, kept: `x-${id}` });
    await flush();
    const sent = mine.received.filter((m) => (m as { t: string }).t === 'sent') as Array<{
      id: number;
      fault?: { code: string };
    }>;
    // The third is refused at once; the two it may follow settle by what the outbox knows of
    // them (nothing kept by those ids here: unconfirmed).
    expect(
      sent.map((m) => `${m.id}:${m.fault?.code ?? (m as { delivered?: string }).delivered}`),
    ).toEqual(['3:queue_overflow', '1:unconfirmed', '2:unconfirmed']);
  });

  it("a tab of another user is refused while the first user's tabs hold the worker's socket", async () => {
    const w = world({ outbox: outboxOver(memoryStorage()) });
    const ann = w.tab(tabOptions('ann'));
    const bob = w.tab(tabOptions('bob'));
    await advance(10);
    expect(ann.socket.getSnapshot().status).not.toBe('failed');
    expect(bob.socket.getSnapshot().status).toBe('failed');
    expect(bob.socket.getSnapshot().lastFault?.detail.cause).toMatch(/delivery/);
  });
});

describe("a durable outbox's side in a tab: what the worker says of it is checked", () => {
  /** A tab on a port whose worker the test plays: welcomed at once. */
  async function played() {
    const [mine, theirs] = pair();
    const socket = connectTab(mine, tabOptions());
    const tell = (message: Record<string, unknown>) => theirs.postMessage({ v: 1, ...message });
    tell({ t: 'welcome', snapshot: IDLE, pingMs: 1000 });
    await flush();
    const codes = () => socket.errors.getState().history.map((f) => f.detail.cause ?? '');
    return { socket, tell, codes, theirs };
  }

  it('durable() is true once the worker says the send is kept, false when its receipt comes first', async () => {
    const { socket, tell, theirs } = await played();
    const a = socket.send('chat', { n: 1 });
    const b = socket.send('chat', { n: 2 });
    await flush();
    const ids = theirs.received
      .filter((m) => (m as { t: string }).t === 'send')
      .map((m) => (m as { id: number }).id);
    tell({ t: 'outbox', id: ids[0], kept: 'k-1' });
    tell({ t: 'sent', id: ids[0], delivered: 'acknowledged' });
    tell({ t: 'sent', id: ids[1], delivered: 'acknowledged' });
    await flush();
    expect([await durable(a), await durable(b)]).toEqual([true, false]);
    socket.close();
  });

  it('a malformed word of the outbox is dropped and reported, never shown; a sound snapshot is shown, and a throwing listener is a callback_error', async () => {
    const { socket, tell, codes } = await played();
    tell({ t: 'outbox', id: 1, kept: 5 });
    tell({ t: 'outbox', snapshot: { status: 'bogus', kept: [] } });
    tell({ t: 'outbox', snapshot: { status: 'durable', kept: [{ id: 'x', status: 'pending' }] } });
    await flush();
    expect(codes().filter((c) => /outbox\./.test(c))).toHaveLength(3);
    expect(outboxOf(socket).getSnapshot().status).toBe('loading');
    outboxOf(socket).subscribe(() => {
      throw new Error('ui bug');
    });
    const kept = [{ id: 'x', type: 'chat', data: 1, at: 5, status: 'pending' }];
    tell({ t: 'outbox', snapshot: { status: 'durable', kept } });
    await flush();
    expect(outboxOf(socket).getSnapshot()).toEqual({ status: 'durable', kept });
    expect(socket.errors.getState().history.map((f) => f.code)).toContain('callback_error');
    socket.close();
  });
});
