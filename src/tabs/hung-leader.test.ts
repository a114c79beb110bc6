/**
 * A hung leader (its main thread blocked: no page event, no channel message handled), with Web
 * Locks (steal included) and BroadcastChannel in memory and a fake clock: the followers' probe goes
 * unanswered, exactly one follower takes the lock and leads, the work handed to the hung tab goes
 * out on the new connection, and the old leader steps down when it runs again. A live leader,
 * hidden or not, answers the probes and keeps the connection.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { createElection } from './election.js';
import { shareTabs } from './plugin.js';
import { tabRole } from './shared-socket.js';
import type { TabCore } from './tab-core.js';
import type { ChannelLike, LocksLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const settle = () => vi.advanceTimersByTimeAsync(0);
const HUNG_MS = 1000;

/** A channel whose messages wait while its tab is blocked, as a busy main thread's would. */
function blockable(inner: ChannelLike) {
  let blocked = false;
  const held: Array<() => void> = [];
  const wrapped = new Map<(event: { data: unknown }) => void, (event: { data: unknown }) => void>();
  const channel: ChannelLike = {
    postMessage: (message) => inner.postMessage(message),
    addEventListener(type, listener) {
      const own = (event: { data: unknown }) => {
        if (blocked) held.push(() => listener(event));
        else listener(event);
      };
      wrapped.set(listener, own);
      inner.addEventListener(type, own);
    },
    removeEventListener(type, listener) {
      const own = wrapped.get(listener);
      if (own) inner.removeEventListener(type, own);
    },
    close: () => inner.close(),
  };
  return {
    channel,
    block: () => {
      blocked = true;
    },
    unblock() {
      blocked = false;
      for (const run of held.splice(0)) run();
    },
  };
}

/** Added to the monotonic clock: time that passed while a tab's timers were held (frozen). */
let skew = 0;
beforeEach(() => {
  skew = 0;
});
const clock = {
  now: () => Date.now(),
  monotonic: () => performance.now() + skew,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as never),
};

function browser(count: number) {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const WebSocket = fakeWebSocketClass();
  const pages: Array<ReturnType<typeof blockable>> = [];
  const tabs: Socket[] = Array.from({ length: count }, (_, index) =>
    createSocket({
      url: 'wss://chat.test/ws',
      WebSocket,
      environment: false,
      heartbeat: false,
      clock,
      tabs: shareTabs({
        locks,
        hungAfterMs: HUNG_MS,
        channel: (name) => {
          const page = blockable(bus.open(name));
          pages[index] = page;
          return page.channel;
        },
      }),
    }),
  );
  const live = () =>
    WebSocket.instances.filter((ws) => ws.closedByClient === null && ws.readyState < 2);
  return { tabs, pages, WebSocket, live };
}

describe('tabs: a hung leader', () => {
  it('one follower takes the lock within hungAfterMs, and the work handed to the hung leader goes out', async () => {
    const b = browser(3);
    await settle();
    b.WebSocket.last().open();
    await settle();
    expect(b.tabs.map(tabRole)).toEqual(['leader', 'follower', 'follower']);
    b.pages[0]?.block();
    b.tabs[2]?.send('chat', 'to the hung leader');
    await vi.advanceTimersByTimeAsync(HUNG_MS * 2);
    // Exactly one follower stole: one new connection, one leader among the followers.
    expect(b.WebSocket.instances).toHaveLength(2);
    const roles = b.tabs.slice(1).map(tabRole);
    expect(roles.filter((r) => r === 'leader')).toHaveLength(1);
    const next = b.WebSocket.last();
    next.open();
    await settle();
    expect(next.frames().map((f) => f.data)).toEqual(['to the hung leader']);
    // The old leader learnt its lock was taken: its socket is closed, and it follows.
    expect(tabRole(b.tabs[0] as Socket)).toBe('follower');
    expect(b.WebSocket.instances[0]?.closedByClient).not.toBeNull();
    b.pages[0]?.unblock();
    await settle();
    expect(b.tabs.map((t) => t.getSnapshot().status)).toEqual(['open', 'open', 'open']);
    expect(b.live()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(HUNG_MS * 5);
    expect(b.WebSocket.instances).toHaveLength(2);
    for (const t of b.tabs) t.close();
  });

  it('the old leader, once it runs again, waits for the lock again and leads when the new one goes', async () => {
    const b = browser(2);
    await settle();
    b.WebSocket.last().open();
    await settle();
    b.pages[0]?.block();
    await vi.advanceTimersByTimeAsync(HUNG_MS * 2);
    expect(b.tabs.map(tabRole)).toEqual(['follower', 'leader']);
    b.pages[0]?.unblock();
    await settle();
    b.tabs[1]?.close();
    await settle();
    expect(tabRole(b.tabs[0] as Socket)).toBe('leader');
    expect(b.WebSocket.instances).toHaveLength(3);
    b.tabs[0]?.close();
  });

  it('measures the silence on the monotonic clock: a wall clock stepped back an hour does not hide a hung leader', async () => {
    const b = browser(2);
    await settle();
    b.WebSocket.last().open();
    await settle();
    b.pages[0]?.block();
    await vi.advanceTimersByTimeAsync(HUNG_MS / 2);
    vi.setSystemTime(Date.now() - 3_600_000);
    await vi.advanceTimersByTimeAsync(HUNG_MS * 1.5);
    expect(b.tabs.map(tabRole)).toEqual(['follower', 'leader']);
    b.pages[0]?.unblock();
    await vi.advanceTimersByTimeAsync(HUNG_MS * 5);
    expect(b.tabs.map(tabRole)).toEqual(['follower', 'leader']);
    for (const t of b.tabs) t.close();
  });

  it('a live leader answers every probe and keeps the connection', async () => {
    const b = browser(3);
    await settle();
    b.WebSocket.last().open();
    await settle();
    await vi.advanceTimersByTimeAsync(HUNG_MS * 20);
    expect(b.WebSocket.instances).toHaveLength(1);
    expect(b.tabs.map(tabRole)).toEqual(['leader', 'follower', 'follower']);
    for (const t of b.tabs) t.close();
  });

  it('hungAfterMs is checked when shareTabs() is called, naming the option', () => {
    expect(() => shareTabs({ hungAfterMs: 0 })).toThrow(/hungAfterMs/);
    expect(() => shareTabs({ hungAfterMs: Number.NaN })).toThrow(/hungAfterMs/);
    expect(() => shareTabs({ hungAfterMs: '5s' as never })).toThrow(/hungAfterMs/);
    expect(() => shareTabs({ hungAfterMs: 5000 })).not.toThrow();
    // The other options are checked the same way, an unknown one named with the nearest known.
    expect(() => shareTabs({ hungAfterMS: 5000 } as never)).toThrow(/hungAfterMS.*hungAfterMs/);
  });
});

describe('tabs: taking the lock from a hung leader', () => {
  /** Just what the election reads of a tab. */
  const tabOf = (locks: LocksLike) => {
    const core = {
      parts: {
        name: 'sockguard:k',
        locks,
        hungAfterMs: HUNG_MS,
        setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      },
      local: null as object | null,
      closed: false,
      away: false,
    };
    const led = vi.fn(() => {
      core.local = {};
    });
    const stolen = vi.fn(() => {
      core.local = null;
    });
    const election = createElection(core as unknown as TabCore, { lead: led, stolen });
    return { core, election, led, stolen };
  };

  it('two followers that find the leader hung at the same moment: only one steals', async () => {
    const locks = memoryLocks();
    const [hung, one, two] = [tabOf(locks), tabOf(locks), tabOf(locks)];
    hung?.election.compete();
    await settle();
    expect(hung?.led).toHaveBeenCalledTimes(1);
    one?.election.compete();
    two?.election.compete();
    await settle();
    one?.election.steal(() => true);
    two?.election.steal(() => true);
    await settle();
    expect(hung?.stolen).toHaveBeenCalledTimes(1);
    expect([one?.led.mock.calls.length, two?.led.mock.calls.length].sort()).toEqual([0, 1]);
    expect(one?.stolen).not.toHaveBeenCalled();
    expect(two?.stolen).not.toHaveBeenCalled();
  });
});

describe('tabs: a follower that was throttled or frozen itself', () => {
  it('does not take the lock when its own timer comes late (the answer may be waiting behind it)', async () => {
    const b = browser(2);
    await settle();
    b.WebSocket.last().open();
    await settle();
    // The follower's probe goes out, then its page is frozen (timers and messages held) long
    // past hungAfterMs; on resume its timer may run before the leader's answer is handled.
    b.pages[1]?.block();
    await vi.advanceTimersByTimeAsync(HUNG_MS / 4);
    skew += HUNG_MS * 3;
    await vi.advanceTimersByTimeAsync(HUNG_MS / 4);
    b.pages[1]?.unblock();
    await vi.advanceTimersByTimeAsync(HUNG_MS * 3);
    expect(b.WebSocket.instances).toHaveLength(1);
    expect(b.tabs.map(tabRole)).toEqual(['leader', 'follower']);
    for (const t of b.tabs) t.close();
  });
});
