/**
 * A worker that never starts (tab.ts, top comment): the tab's new ports back off. The first new
 * port after a death comes at once; each later death without a welcome waits the core's backoff
 * with the socket's `backoff` policy and `random` (here: base 1000, cap 8000, a draw near 1, so a
 * wait is near its ceiling: 1000, 2000, 4000, 8000, 8000 ...), the snapshot's `nextRetryAt`
 * naming the new port's time. A welcome starts the count again. Fake clock throughout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, pair, WORLD_URL, world } from '../../test/support/worker-kit.js';
import type { SocketOptions } from '../core/options.js';
import { connectTab } from './tab.js';
import type { PortLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const CAP = 8000;
/** The death rule's bound with the defaults (a 2000 ms limit, checked every quarter). */
const JUDGED = 2500;
const OPTIONS: SocketOptions = {
  url: WORLD_URL,
  heartbeat: false,
  environment: false,
  backoff: { baseMs: 1000, capMs: CAP },
  random: () => 0.999,
  errors: { dedupeWindowMs: 0, recoverableTtlMs: null },
};

/** A port nobody answers: a worker whose script is a 404, or that throws at start. */
const silentPort = (): PortLike => pair()[0];

/** The gaps between consecutive times. */
const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - (times[i] ?? 0));

describe('a worker that never starts', () => {
  it('the gaps between new ports grow, up to the cap plus the death rule; the snapshot names each next port; one connection fault', async () => {
    const made: number[] = [];
    const socket = connectTab(() => {
      made.push(Date.now());
      return silentPort();
    }, OPTIONS);
    const announced: number[] = [];
    socket.subscribe(() => {
      const s = socket.getSnapshot();
      if (s.status === 'reconnecting' && s.nextRetryAt !== null) announced.push(s.nextRetryAt);
    });
    await advance(120_000);
    const between = gaps(made);
    // The first new port at once on the death (within the rule's 2.5 s of the first hello), then
    // the death rule plus a wait near 1000, 2000, 4000, then the cap.
    expect(between[0]).toBeLessThanOrEqual(JUDGED);
    for (let i = 1; i < 4; i++) expect(between[i]).toBeGreaterThan(between[i - 1] ?? 0);
    expect(between.slice(4).length).toBeGreaterThan(3);
    for (const gap of between.slice(4)) {
      expect(gap).toBeGreaterThanOrEqual(0.99 * CAP);
      expect(gap).toBeLessThanOrEqual(CAP + JUDGED);
    }
    // Not every 2.5 s: 120 s saw 15 workers, not 48.
    expect(made.length).toBeLessThan(16);
    // Each wait was announced, and the port came then (the timer fires on the whole ms); the last
    // one is waited for still.
    expect(announced).toHaveLength(made.length - 1);
    expect(announced.slice(0, -1).map(Math.floor)).toEqual(made.slice(2));
    expect(announced.at(-1)).toBeGreaterThan(Date.now());
    const connection = socket.errors.getState().history.filter((f) => f.kind === 'connection');
    expect(connection.map((f) => f.detail?.cause)).toEqual([
      'the shared worker did not start (no welcome in 2000 ms)',
    ]);
    expect(socket.getSnapshot().status).toBe('reconnecting');
    socket.close();
    const count = made.length;
    await advance(60_000);
    expect(made).toHaveLength(count);
  });

  it('a welcome starts the count again: after the welcomed worker dies, the gaps are the first ones again', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const made: number[] = [];
    let live: ReturnType<typeof pair>[0] | undefined;
    const socket = connectTab(() => {
      made.push(Date.now());
      // The fifth port reaches a worker that starts; the others reach none.
      if (made.length !== 5) return silentPort();
      const [mine, theirs] = pair();
      w.hub.connect(theirs);
      live = mine;
      return mine;
    }, OPTIONS);
    // Four silent ports: the waits grew to near 4000 before the fifth.
    while (made.length < 5) await advance(100);
    const before = gaps(made);
    await advance(100);
    w.WebSocket.last().open();
    await advance(100);
    expect(socket.getSnapshot().status).toBe('open');
    // Open a long while, then the worker dies: ports 6, 7, 8 follow.
    await advance(30_000);
    expect(made).toHaveLength(5);
    live?.sever();
    while (made.length < 8) await advance(100);
    const after = gaps(made.slice(5));
    // Port 6 came at once on the death; 6 to 7 and 7 to 8 are the first run's 2 to 3 and 3 to 4
    // (within a quarter of the limit: where the death rule's checks fall).
    expect(Math.abs((after[0] ?? 0) - (before[1] ?? 0))).toBeLessThanOrEqual(500);
    expect(Math.abs((after[1] ?? 0) - (before[2] ?? 0))).toBeLessThanOrEqual(500);
    expect(after[0]).toBeLessThan(before[3] ?? 0);
    socket.close();
    await flush();
  });

  it('a wait ends when the silent worker is heard after all: no new port', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const made: number[] = [];
    let slow: ReturnType<typeof pair>[0] | undefined;
    const socket = connectTab(() => {
      made.push(Date.now());
      if (made.length !== 2) return silentPort();
      // The second port's worker is slow: what it says waits until it thaws.
      const [mine, theirs] = pair();
      w.hub.connect(theirs);
      mine.freeze();
      slow = mine;
      return mine;
    }, OPTIONS);
    while (made.length < 2) await advance(100);
    // The second port's death: a wait near 1000 ms begins.
    await advance(JUDGED);
    const waiting = socket.getSnapshot();
    expect(waiting.status === 'reconnecting' && waiting.nextRetryAt).toBeGreaterThan(Date.now());
    slow?.thaw();
    await advance(10_000);
    expect(made).toHaveLength(2);
    expect(socket.getSnapshot().status).toBe('connecting');
    expect(socket.errors.getState().active.filter((f) => f.kind === 'connection')).toEqual([]);
    socket.close();
  });
});

describe('work handed over while a new port waits its backoff', () => {
  it('without delivery, a send handed to the silent port fails (may have arrived) when a new port is made, none left pending', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    let ports = 0;
    const settled: string[] = [];
    const socket = connectTab(
      () => {
        const [mine, theirs] = pair();
        // The first two ports reach no worker; the third one does.
        if (++ports === 3) w.hub.connect(theirs);
        return mine;
      },
      { ...OPTIONS, maxQueue: 2 },
      { settled: (work, how) => void settled.push(`${work.kind}:${how}`) },
    );
    // Two deaths: the third port waits its backoff (near 1000 ms), the snapshot says until when.
    const waiting = () => typeof Reflect.get(socket.getSnapshot(), 'nextRetryAt') === 'number';
    while (!waiting()) await advance(100);
    expect(ports).toBe(2);
    // Handed to the silent second port while the third waits.
    socket.send('chat', 1);
    await advance(CAP);
    expect(ports).toBe(3);
    expect(settled).toEqual(['send:failed']);
    w.WebSocket.last().open();
    await advance(100);
    expect(socket.getSnapshot().status).toBe('open');
    // Nothing is left pending: the tab's queue (2) takes two sends again.
    expect(socket.send('chat', 2).status).toBe('queued');
    expect(socket.send('chat', 3).status).toBe('queued');
    socket.close();
  });
});
