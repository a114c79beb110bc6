/**
 * One connection for all tabs, with Web Locks and BroadcastChannel in memory: election, mirrored
 * snapshots, messages to every tab, sends and requests routed to the leader and settled in the tab
 * that asked, faults in every store, and handover when the leader closes or crashes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import type { FaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';
import { shareTabs } from './plugin.js';
import { tabRole } from './shared-socket.js';
import type { ChannelLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const URL_ = 'wss://chat.test/ws';
const settle = () => vi.advanceTimersByTimeAsync(0);

function browser(count: number) {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const WebSocket = fakeWebSocketClass();
  const channels: ChannelLike[] = [];
  const open = () =>
    createSocket({
      url: URL_,
      WebSocket,
      random: Math.random,
      environment: false,
      heartbeat: false,
      tabs: shareTabs({
        locks,
        channel: (name) => {
          const channel = bus.open(name);
          channels.push(channel);
          return channel;
        },
      }),
    });
  const tabs: Socket[] = Array.from({ length: count }, open);
  const live = () =>
    WebSocket.instances.filter((ws) => ws.closedByClient === null && ws.readyState < 2);
  return { tabs, locks, bus, WebSocket, channels, live, open };
}

describe('tabs: one connection', () => {
  it('five tabs hold one WebSocket, and every tab sees it open', async () => {
    const b = browser(5);
    await settle();
    expect(b.WebSocket.instances).toHaveLength(1);
    b.WebSocket.last().open();
    await settle();
    expect(b.tabs.map((t) => t.getSnapshot().status)).toEqual(Array(5).fill('open'));
    expect(b.tabs.map(tabRole)).toEqual(['leader', 'follower', 'follower', 'follower', 'follower']);
    for (const t of b.tabs) t.close();
  });

  it('a message from the server reaches the handlers of every tab once', async () => {
    const b = browser(3);
    await settle();
    b.WebSocket.last().open();
    const seen = b.tabs.map(() => [] as unknown[]);
    b.tabs.forEach((t, i) => {
      t.on('news', (e) => seen[i]?.push(e.data));
    });
    b.WebSocket.last().receive({ type: 'news', data: 1 });
    await settle();
    expect(seen).toEqual([[1], [1], [1]]);
    for (const t of b.tabs) t.close();
  });

  it('a send from each tab arrives once; a request from tab 3 settles in tab 3 only', async () => {
    const b = browser(3);
    await settle();
    const ws = b.WebSocket.last();
    ws.open();
    await settle();
    b.tabs.forEach((t, i) => {
      t.send('chat', { from: i });
    });
    const reply = request(b.tabs[2] as Socket, 'ask', 'q');
    await settle();
    const sent = ws.frames();
    expect(sent.filter((f) => f.type === 'chat').map((f) => f.data)).toEqual([
      { from: 0 },
      { from: 1 },
      { from: 2 },
    ]);
    const ask = sent.find((f) => f.type === 'ask');
    ws.receive({ type: 'answer', data: 42, meta: { request_id: ask?.meta?.request_id } });
    await settle();
    await expect(reply).resolves.toMatchObject({ data: 42 });
    for (const t of b.tabs) t.close();
  });

  it('a reply reaches the handlers of the tab that asked only; an unclaimed request_id reaches all', async () => {
    const b = browser(3);
    await settle();
    const ws = b.WebSocket.last();
    ws.open();
    await settle();
    const seen = b.tabs.map(() => [] as unknown[]);
    b.tabs.forEach((t, i) => {
      t.on('answer', (e) => seen[i]?.push(e.data));
    });
    const fromLeader = request(b.tabs[0] as Socket, 'ask', 'mine');
    const fromFollower = request(b.tabs[2] as Socket, 'ask', 'yours');
    await settle();
    const [mine, yours] = ws.frames().map((f) => f.meta?.request_id);
    ws.receive({ type: 'answer', data: 'to 0', meta: { request_id: mine } });
    ws.receive({ type: 'answer', data: 'to 2', meta: { request_id: yours } });
    ws.receive({ type: 'answer', data: 'late', meta: { request_id: 'nobody' } });
    await settle();
    await expect(fromLeader).resolves.toMatchObject({ data: 'to 0' });
    await expect(fromFollower).resolves.toMatchObject({ data: 'to 2' });
    expect(seen).toEqual([['to 0', 'late'], ['late'], ['to 2', 'late']]);
    for (const t of b.tabs) t.close();
  });

  it("a follower's request checks its reply schema and honours its signal in its own tab", async () => {
    const b = browser(2);
    await settle();
    const ws = b.WebSocket.last();
    ws.open();
    await settle();
    // A Standard Schema that doubles numbers and refuses anything else.
    const doubled = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) =>
          typeof value === 'number' ? { value: value * 2 } : { issues: [{ message: 'NaN' }] },
      },
    };
    const follower = b.tabs[1] as Socket;
    const good = request(follower, 'ask', 1, { reply: doubled });
    const bad = request(follower, 'ask', 2, { reply: doubled }).catch((e: FaultError) => e);
    const controller = new AbortController();
    const aborted = request(follower, 'ask', 3, { signal: controller.signal }).catch(
      (e: FaultError) => e,
    );
    await settle();
    const [one, two] = ws.frames().map((f) => f.meta?.request_id);
    ws.receive({ type: 'answer', data: 21, meta: { request_id: one } });
    ws.receive({ type: 'answer', data: 'x', meta: { request_id: two } });
    controller.abort();
    await settle();
    await expect(good).resolves.toMatchObject({ data: 42 });
    expect(((await bad) as FaultError).fault.code).toBe('invalid_envelope');
    expect(((await aborted) as FaultError).fault.code).toBe('request_aborted');
    expect(follower.errors.getState().history.some((f) => f.code === 'invalid_envelope')).toBe(
      true,
    );
    for (const t of b.tabs) t.close();
  });

  it("a fault of the shared socket reaches every tab's store once", async () => {
    const b = browser(3);
    await settle();
    const ws = b.WebSocket.last();
    ws.open();
    ws.receive({ type: 'error', data: { code: 4001, message: 'no such room' } });
    await settle();
    for (const t of b.tabs) {
      expect(t.errors.getState().history.filter((f) => f.code === 4001)).toHaveLength(1);
    }
    for (const t of b.tabs) t.close();
  });
});

describe('tabs: handover', () => {
  it('the leader closes: the next tab opens the socket and a follower request in flight settles', async () => {
    const b = browser(3);
    await settle();
    b.WebSocket.last().open();
    await settle();
    const reply = request(b.tabs[2] as Socket, 'ask', 'q');
    await settle();
    b.tabs[0]?.close(); // the leader leaves before answering
    await settle();
    expect(b.live()).toHaveLength(1);
    const next = b.WebSocket.last();
    expect(next).not.toBe(b.WebSocket.instances[0]);
    next.open();
    await settle();
    const ask = next.frames().find((f) => f.type === 'ask');
    expect(ask).toBeDefined();
    next.receive({ type: 'answer', data: 7, meta: { request_id: ask?.meta?.request_id } });
    await settle();
    await expect(reply).resolves.toMatchObject({ data: 7 });
    expect(b.tabs[1]?.getSnapshot().status).toBe('open');
    for (const t of b.tabs) t.close();
  });

  it('the leader crashes (lock freed, tab silent): another tab takes over and the sends handed to it go out', async () => {
    const b = browser(2);
    await settle();
    b.WebSocket.last().open();
    await settle();
    // The crash: the tab's channel goes quiet and the browser frees its lock.
    b.channels[0]?.close();
    b.locks.crash('sockguard:wss://chat.test/ws');
    b.WebSocket.instances[0]?.drop(1006);
    b.tabs[1]?.send('chat', 'after');
    await settle();
    const next = b.WebSocket.last();
    expect(b.WebSocket.instances).toHaveLength(2);
    next.open();
    await settle();
    expect(next.frames().map((f) => f.data)).toEqual(['after']);
    for (const t of b.tabs) t.close();
  });

  it('a follower request whose leader vanished times out in its own tab', async () => {
    const b = browser(2);
    await settle();
    b.WebSocket.last().open();
    await settle();
    b.channels[0]?.close(); // the leader hears nothing any more, and no one takes over
    const reply = request(b.tabs[1] as Socket, 'ask', 'q', { timeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(500);
    const error = (await reply) as FaultError;
    expect(error.fault.code).toBe('request_timeout');
    for (const t of b.tabs) t.close();
  });
});

describe('tabs: where it cannot work', () => {
  it('without Web Locks each tab keeps its own socket, silently', () => {
    const WebSocket = fakeWebSocketClass();
    const make = () =>
      createSocket({
        url: URL_,
        WebSocket,
        environment: false,
        tabs: shareTabs({ channel: memoryChannels().open }),
      });
    vi.stubGlobal('navigator', {});
    const a = make();
    const b = make();
    vi.unstubAllGlobals();
    expect(WebSocket.instances).toHaveLength(2);
    a.close();
    b.close();
  });

  it('a url function needs a key, and a bare true names the fix', () => {
    expect(() =>
      createSocket({
        url: () => URL_,
        tabs: shareTabs({ locks: memoryLocks() }),
        autoConnect: false,
      }),
    ).toThrow(/needs a key/);
    expect(() => createSocket({ url: URL_, tabs: true as never })).toThrow(/tabs: shareTabs\(\)/);
  });
});

describe('tabs: visibility', () => {
  const page = () => {
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const hide = (hidden: boolean) => {
      document.visibilityState = hidden ? 'hidden' : 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
    };
    return {
      environment: { window: new EventTarget(), document, navigator: { onLine: true } },
      hide,
    };
  };

  it('a hidden leader retries while another tab is on screen, and pauses once every tab is hidden', async () => {
    const locks = memoryLocks();
    const bus = memoryChannels();
    const WebSocket = fakeWebSocketClass();
    const pages = [page(), page()];
    const tabs = pages.map((p) =>
      createSocket({
        url: URL_,
        WebSocket,
        random: () => 0.5,
        heartbeat: false,
        environment: p.environment,
        tabs: shareTabs({ locks, channel: bus.open }),
      }),
    );
    await settle();
    WebSocket.last().open();
    await settle();
    pages[0]?.hide(true); // the leader's tab goes to the background; the follower is on screen
    await settle();
    WebSocket.last().drop(1006);
    await settle();
    const leader = tabs[0]?.getSnapshot();
    expect(leader?.status).toBe('reconnecting');
    expect(leader?.status === 'reconnecting' && leader.nextRetryAt).not.toBeNull();
    pages[1]?.hide(true); // now every tab is hidden: retries wait
    await settle();
    const paused = tabs[0]?.getSnapshot();
    expect(paused?.status === 'reconnecting' && paused.nextRetryAt).toBeNull();
    pages[1]?.hide(false);
    await settle();
    const resumed = tabs[0]?.getSnapshot();
    expect(resumed?.status === 'reconnecting' && resumed.nextRetryAt).not.toBeNull();
    for (const t of tabs) t.close();
  });
});
