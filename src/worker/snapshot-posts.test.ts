/**
 * What the worker tells every tab of its durable outbox: the outbox's list holds every send earlier
 * pages kept, with its data, and the whole list goes to every tab when it changes. One ack settles
 * hundreds of them at once: the list changes once for all (not once per send, which posted the
 * square of their number to every tab).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { seqServer } from '../../test/support/seq-server.js';
import { advance, flush, pair, WORLD_URL, world } from '../../test/support/worker-kit.js';
import { delivery } from '../delivery/plugin.js';
import { outboxOf } from '../outbox/channel.js';
import { memoryStorage } from '../outbox/memory.js';
import { indexedDbOutbox } from '../outbox/outbox.js';
import type { OutboxStorage } from '../outbox/storage.js';
import type { HubOptions } from './hub-options.js';
import { connectTab } from './tab.js';
import type { PortLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const outboxOver = (storage: OutboxStorage) => (settings: Parameters<typeof indexedDbOutbox>[0]) =>
  indexedDbOutbox({ ...settings, storage, locks: null });

/** Three tabs of one user on a worker with a durable outbox; what each tab's port received. */
function threeTabs(device: OutboxStorage = memoryStorage(), hub: HubOptions = {}) {
  const w = world({
    pingIntervalMs: 1000,
    tabTimeoutMs: 600_000,
    outbox: outboxOver(device),
    ...hub,
  });
  const ports: Array<ReturnType<typeof pair>[0]> = [];
  const sockets = [0, 1, 2].map(() => {
    const [mine, theirs] = pair();
    w.hub.connect(theirs);
    ports.push(mine);
    return connectTab(mine as PortLike, {
      url: WORLD_URL,
      heartbeat: false,
      environment: false,
      errors: { dedupeWindowMs: 0, recoverableTtlMs: null },
      delivery: delivery({ outbox: indexedDbOutbox({ user: 'ann' }) }),
    });
  });
  /** The snapshot posts of `kind` each tab received, and their JSON length in all. */
  const posts = (kind: 'outbox' | 'delivery') => {
    const all = ports.flatMap((p) =>
      (p.received as Array<{ t?: string; snapshot?: unknown }>).filter(
        (m) => m.t === kind && m.snapshot !== undefined,
      ),
    );
    return { count: all.length, bytes: all.reduce((n, m) => n + JSON.stringify(m).length, 0) };
  };
  return { ...w, sockets, ports, posts };
}

describe("the worker's snapshots to the tabs", () => {
  it('300 sends an earlier worker kept, read back and then acknowledged by one ack: one outbox post per tab for the ack, not one per send', async () => {
    const device = memoryStorage();
    for (let seq = 1; seq <= 300; seq += 1) {
      const text = JSON.stringify({ type: 'chat', data: { tab: 0, n: seq }, meta: { seq } });
      await device.add('default', 'ann', { seq, id: `k${seq}`, text, bytes: text.length, at: 0 });
    }
    const t = threeTabs(device);
    const srv = seqServer();
    await advance(10);
    await srv.opened(t.WebSocket.last());
    await flush();
    srv.serve(t.WebSocket.last());
    expect(srv.marks()).toHaveLength(300);
    const before = t.posts('outbox');
    srv.ack(t.WebSocket.last());
    await flush();
    const after = t.posts('outbox');
    console.log(
      `[snapshot-posts] one ack of 300 restored sends, 3 tabs: ${after.count - before.count} outbox posts, ${after.bytes - before.bytes} B`,
    );
    expect(after.count - before.count).toBe(3);
    for (const socket of t.sockets)
      expect(
        outboxOf(socket)
          .getSnapshot()
          .kept.map((k) => k.status),
      ).toEqual(Array(300).fill('acknowledged'));
  });
});
