/**
 * Delivery's view in a tab of `shareTabs()` (issue 21: the same hooks in every tab): delivery runs
 * in the SharedWorker, which tells every tab its snapshot; `deliveryOf(socket)` (and
 * `useDelivery()`) in each tab show it, and `endSession()` in a tab (a logout) ends the worker's
 * session: what was kept for it is rejected, a durable outbox of that user is cleared, and the
 * next connection starts a new session.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { receiptOf, watch } from '../../test/support/delivery-wire.js';
import { seqServer } from '../../test/support/seq-server.js';
import { advance, flush, pair, WORLD_URL, world } from '../../test/support/worker-kit.js';
import { IDLE } from '../core/machine.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { memoryStorage } from '../outbox/memory.js';
import { indexedDbOutbox } from '../outbox/outbox.js';
import { connectTab } from './tab.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const options = (outbox = false) => ({
  url: WORLD_URL,
  heartbeat: false as const,
  environment: false as const,
  errors: { dedupeWindowMs: 0, recoverableTtlMs: null },
  delivery: delivery(outbox ? { outbox: indexedDbOutbox({ user: 'ann' }) } : {}),
});

describe("delivery's view in every tab", () => {
  it("deliveryOf(socket) in each tab shows the worker's delivery: negotiating, on with its session, the unacked count as sends go and are acknowledged", async () => {
    const w = world();
    const t1 = w.tab(options());
    const t2 = w.tab(options());
    await advance(10);
    expect(deliveryOf(t2.socket).getSnapshot().mode).toBe('negotiating');
    const srv = seqServer();
    const ws = w.WebSocket.last();
    await srv.opened(ws);
    await flush();
    expect(deliveryOf(t2.socket).getSnapshot()).toMatchObject({ mode: 'on', session: 's1' });
    const seen: number[] = [];
    deliveryOf(t2.socket).subscribe(() => seen.push(deliveryOf(t2.socket).getSnapshot().unacked));
    const r = [1, 2].map((n) => watch(receiptOf(t1.socket.send('chat', { tab: 1, n }))));
    await flush();
    expect(deliveryOf(t2.socket).getSnapshot().unacked).toBe(2);
    srv.serve(ws);
    srv.ack(ws);
    await flush();
    expect(r.map((x) => x.value)).toEqual(['acknowledged', 'acknowledged']);
    expect(deliveryOf(t2.socket).getSnapshot().unacked).toBe(0);
    expect(seen).toContain(2);
    t1.socket.close();
    t2.socket.close();
  });

  it("endSession() in one tab ends the worker's session: its kept sends are rejected in the tab that made them, the durable outbox of that user is cleared, and the next connection starts a new session", async () => {
    const device = memoryStorage();
    const w = world({ outbox: (s) => indexedDbOutbox({ ...s, storage: device, locks: null }) });
    const t1 = w.tab(options(true));
    const t2 = w.tab(options(true));
    await advance(10);
    const srv = seqServer();
    const ws = w.WebSocket.last();
    await srv.opened(ws);
    const kept = watch(receiptOf(t1.socket.send('chat', { tab: 1, n: 1 })));
    await flush();
    expect((await device.load('default', 'ann')).messages).toHaveLength(1);
    deliveryOf(t2.socket).endSession();
    await flush();
    expect(kept.error).toBeDefined();
    expect((await device.load('default', 'ann')).messages).toHaveLength(0);
    await advance(5000);
    const next = w.WebSocket.last();
    expect(next).not.toBe(ws);
    await srv.opened(next);
    await flush();
    expect(deliveryOf(t1.socket).getSnapshot()).toMatchObject({ mode: 'on', session: 's2' });
    t1.socket.close();
    t2.socket.close();
  });

  it("a malformed delivery snapshot from the worker is dropped and reported; a tab without delivery shows 'off'", async () => {
    const [mine, theirs] = pair();
    const socket = connectTab(mine, options());
    const tell = (message: Record<string, unknown>) => theirs.postMessage({ v: 1, ...message });
    tell({ t: 'welcome', snapshot: IDLE, pingMs: 1000 });
    tell({ t: 'delivery', snapshot: { mode: 'on', session: 5, unacked: 0, recovery: null } });
    await flush();
    expect(deliveryOf(socket).getSnapshot().mode).toBe('off');
    expect(socket.errors.getState().history.map((f) => f.detail.cause)).toContainEqual(
      expect.stringMatching(/delivery\.snapshot/),
    );
    tell({ t: 'delivery', snapshot: { mode: 'on', session: 's9', unacked: 3, recovery: null } });
    await flush();
    expect(deliveryOf(socket).getSnapshot()).toEqual({
      mode: 'on',
      session: 's9',
      unacked: 3,
      recovery: null,
    });
    socket.close();
    const plain = world().tab({ url: WORLD_URL, environment: false });
    await advance(10);
    expect(deliveryOf(plain.socket).getSnapshot().mode).toBe('off');
  });

  it.each([
    ['a mode delivery has not', { mode: 'maybe', session: null, unacked: 0, recovery: null }],
    ['no session', { mode: 'on', unacked: 0, recovery: null }],
    ['unacked as text', { mode: 'on', session: 's1', unacked: '2', recovery: null }],
    ['no recovery', { mode: 'on', session: 's1', unacked: 0 }],
    ['a recovery without its time', { mode: 'on', session: 's1', unacked: 0, recovery: {} }],
    ['a list', []],
  ])('a delivery snapshot with %s is dropped and reported, never shown', async (_name, bad) => {
    const [mine, theirs] = pair();
    const socket = connectTab(mine, options());
    const tell = (message: Record<string, unknown>) => theirs.postMessage({ v: 1, ...message });
    tell({ t: 'welcome', snapshot: IDLE, pingMs: 1000 });
    tell({ t: 'delivery', snapshot: bad });
    await flush();
    expect(deliveryOf(socket).getSnapshot().mode).toBe('off');
    expect(socket.errors.getState().history.map((f) => f.detail.cause)).toContainEqual(
      expect.stringMatching(/delivery\.snapshot/),
    );
    const recovery = { resumed: true, replayed: 0, at: 7 };
    tell({ t: 'delivery', snapshot: { mode: 'plain', session: null, unacked: 1, recovery } });
    await flush();
    expect(deliveryOf(socket).getSnapshot()).toMatchObject({ mode: 'plain', recovery: { at: 7 } });
    socket.close();
  });
});
