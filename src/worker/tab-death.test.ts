/**
 * The tab's death rule (tab.ts, top comment) under a fake clock: a worker silent for the limit
 * (max(workerTimeoutMs, 2 x pingMs)) of the tab's own awake time is dead; a tab whose timers were
 * throttled or frozen does not blame the worker for its own sleep. And what a dead worker leaves:
 * with a port factory the tab makes a new port, its pending work fails saying it may have
 * arrived, and its store holds one connection fault, resolved when the new worker welcomes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, pair, WORLD_URL, world } from '../../test/support/worker-kit.js';
import { type Clock, systemClock } from '../core/clock.js';
import { request } from '../request/request.js';
import { connectTab } from './tab.js';
import type { PortLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** A tab's clock whose timers fire only on multiples of `periodMs` (Chrome's throttling). */
const throttled = (periodMs: number): Clock => ({
  ...systemClock,
  setTimeout: (callback, ms) => {
    const due = Date.now() + ms;
    return setTimeout(callback, Math.ceil(due / periodMs) * periodMs - Date.now());
  },
});

/** A tab's clock that can freeze: timers due while frozen run on thaw, before anything else. */
function freezable() {
  let frozen = false;
  const held: Array<() => void> = [];
  const clock: Clock = {
    ...systemClock,
    setTimeout: (callback, ms) => setTimeout(() => (frozen ? held.push(callback) : callback()), ms),
  };
  return {
    clock,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const callback of held.splice(0)) callback();
    },
  };
}

/** A tab on a freezable clock, open 5 s on a live worker, then frozen. */
async function openThenFreeze() {
  const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
  const page = freezable();
  const tab = w.tab({ heartbeat: false, clock: page.clock });
  await flush();
  w.WebSocket.last().open();
  await advance(5000);
  page.freeze();
  return { page, tab };
}

/** The causes of the connection faults in a tab's store, oldest first. */
const silences = (tab: { socket: { errors: { getState(): { history: readonly unknown[] } } } }) =>
  tab.socket.errors
    .getState()
    .history.map((f) => String(Reflect.get(Reflect.get(f as object, 'detail'), 'cause')))
    .filter((cause) => cause.includes('did not answer'))
    .reverse();

describe('the death rule', () => {
  it('a dead worker is judged within 1.25 x the limit of its last word (2.5 s by default)', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const tab = w.tab({ heartbeat: false });
    await flush();
    w.WebSocket.last().open();
    await advance(10_000);
    expect(silences(tab)).toEqual([]);
    const lastWord = Date.now();
    tab.port.sever();
    await advance(2000);
    expect(silences(tab)).toEqual([]);
    await advance(500);
    expect(silences(tab)).toEqual(['the shared worker did not answer for 2000 ms']);
    expect(Date.now() - lastWord).toBeLessThanOrEqual(2500);
    expect(tab.socket.getSnapshot().status).toBe('reconnecting');
  });

  it('a tab throttled to one timer a second still judges a dead worker within 3 s', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const tab = w.tab({ heartbeat: false, clock: throttled(1000) });
    await flush();
    w.WebSocket.last().open();
    await advance(60_000);
    expect(silences(tab)).toEqual([]);
    tab.port.sever();
    await advance(3000);
    expect(silences(tab)).toEqual(['the shared worker did not answer for 2000 ms']);
  });

  it('a live worker is never judged dead by a tab throttled to one timer a minute', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const tab = w.tab({ heartbeat: false, clock: throttled(60_000) });
    await flush();
    w.WebSocket.last().open();
    await advance(15 * 60_000);
    expect(silences(tab)).toEqual([]);
    expect(tab.socket.getSnapshot().status).toBe('open');
  });

  it('a frozen tab does not blame a live worker: its first check on waking comes before the words that waited', async () => {
    const { page, tab } = await openThenFreeze();
    // Frozen five minutes: no timer runs, the worker's pings wait in the port.
    tab.port.freeze();
    await advance(5 * 60_000);
    page.thaw();
    tab.port.thaw();
    await advance(10_000);
    expect(silences(tab)).toEqual([]);
    expect(tab.socket.getSnapshot().status).toBe('open');
  });

  it('a worker that stays silent after a frozen tab wakes is judged dead within the bound of the waking', async () => {
    const { page, tab } = await openThenFreeze();
    tab.port.sever();
    await advance(5 * 60_000);
    // Waking, the check that waited counts the five minutes as two quarters of the limit.
    page.thaw();
    await flush();
    expect(silences(tab)).toEqual([]);
    await advance(2500);
    expect(silences(tab)).toEqual(['the shared worker did not answer for 2000 ms']);
  });
});

describe('a dead worker, with a port factory', () => {
  it('the tab makes a new port and says hello there; pending work fails saying it may have arrived; one connection fault, resolved on the welcome', async () => {
    const old = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const next = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const made: PortLike[] = [];
    let dead: ReturnType<typeof pair>[0] | undefined;
    const factory = () => {
      const [mine, theirs] = pair();
      (made.length === 0 ? old : next).hub.connect(theirs);
      if (made.length === 0) dead = mine;
      made.push(mine);
      return mine;
    };
    const settled: string[] = [];
    const socket = connectTab(
      factory,
      {
        url: WORLD_URL,
        heartbeat: false,
        environment: false,
        errors: { dedupeWindowMs: 0, recoverableTtlMs: null },
      },
      { settled: (work, how) => void settled.push(`${work.kind}:${how}`) },
    );
    await flush();
    old.WebSocket.last().open();
    await advance(3000);
    expect(made).toHaveLength(1);
    // The worker dies: what the tab hands it now is lost.
    dead?.sever();
    socket.send('chat', 1);
    const caught = request(socket, 'get', {}).catch((e: unknown) => e);
    await advance(2500);
    expect(made).toHaveLength(2);
    expect(settled).toEqual(['request:failed', 'send:failed']);
    expect(await caught).toMatchObject({
      fault: {
        code: 'connection_closed',
        detail: { cause: expect.stringMatching(/may have arrived/) },
      },
    });
    // The new worker welcomed the tab: its socket is connecting.
    expect(socket.getSnapshot().status).toBe('connecting');
    // The new worker opens a socket of its own; the tab is open again on it.
    expect(next.WebSocket.instances).toHaveLength(1);
    next.WebSocket.last().open();
    await advance(100);
    expect(socket.getSnapshot().status).toBe('open');
    const state = socket.errors.getState();
    const connection = state.history.filter((f) => f.kind === 'connection');
    expect(connection).toHaveLength(1);
    expect(state.active.filter((f) => f.kind === 'connection')).toEqual([]);
    // Not sent again: the new socket carries only what came after.
    socket.send('chat', 2);
    await advance(100);
    expect(next.WebSocket.last().frames()).toEqual([{ type: 'chat', data: 2 }]);
    expect(old.WebSocket.last().frames()).toEqual([]);
    socket.close();
  });

  it('still silent on the new port (a worker slow to start): what was handed to it fails too, none is left pending', async () => {
    const old = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const next = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    const made: ReturnType<typeof pair>[0][] = [];
    const settled: string[] = [];
    const socket = connectTab(
      () => {
        const [mine, theirs] = pair();
        (made.length === 0 ? old : next).hub.connect(theirs);
        // The second port's worker is slow: nothing it says reaches the tab in time.
        if (made.length === 1) mine.freeze();
        made.push(mine);
        return mine;
      },
      // A draw of 0: the backoff before the third port is its floor, 250 ms.
      { url: WORLD_URL, heartbeat: false, environment: false, random: () => 0 },
      {
        settled: (work, how) =>
          void settled.push(`${work.kind}:${Reflect.get(Object(work.data), 'n')}:${how}`),
      },
    );
    await flush();
    old.WebSocket.last().open();
    await advance(1000);
    made[0]?.sever();
    await advance(2500);
    expect(made).toHaveLength(2);
    socket.send('chat', { n: 1 });
    next.WebSocket.last().open();
    // Judged dead again (2500), then the backoff (250): the second death since a welcome.
    await advance(2750);
    // The third port: the send handed to the second is settled, not left waiting for an answer
    // that would come on a port the tab no longer hears.
    expect(made).toHaveLength(3);
    expect(settled).toEqual(['send:1:failed']);
    await advance(100);
    expect(socket.getSnapshot().status).toBe('open');
    socket.close();
  });

  it('a factory that throws is a reported fault, and the tab tries again after another limit and a backoff', async () => {
    const w = world({ pingIntervalMs: 1000, tabTimeoutMs: 600_000 });
    let calls = 0;
    let first: ReturnType<typeof pair>[0] | undefined;
    const socket = connectTab(
      () => {
        calls += 1;
        if (calls > 1 && calls < 3) throw new Error('no SharedWorker here');
        const [mine, theirs] = pair();
        w.hub.connect(theirs);
        first ??= mine;
        return mine;
      },
      { url: WORLD_URL, heartbeat: false, environment: false, random: () => 0 },
    );
    await flush();
    w.WebSocket.last().open();
    await advance(1000);
    first?.sever();
    await advance(2500);
    expect(calls).toBe(2);
    expect(socket.errors.getState().history.map((f) => f.code)).toContain('callback_error');
    // The old port judged dead again (2500), then the backoff's floor (250, a draw of 0).
    await advance(2750);
    expect(calls).toBe(3);
    await advance(100);
    expect(socket.getSnapshot().status).toBe('open');
  });
});
