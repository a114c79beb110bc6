/**
 * One connection for all tabs across the page's life: a leader that goes into the back/forward
 * cache or is frozen gives the connection to another tab and comes back as a follower; a cached
 * tab never waits for the lock; a follower's send the leader had only queued survives the leader.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { request } from '../request/request.js';
import { shareTabs } from './plugin.js';
import { tabRole } from './shared-socket.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const settle = () => vi.advanceTimersByTimeAsync(0);
const NAME = 'sockguard:wss://chat.test/ws';

interface Tab {
  readonly socket: Socket;
  readonly window: EventTarget;
  readonly document: EventTarget;
}

function browser(count: number) {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const WebSocket = fakeWebSocketClass();
  const open = (): Tab => {
    const window = new EventTarget();
    const document = new EventTarget();
    const socket = createSocket({
      url: 'wss://chat.test/ws',
      WebSocket,
      environment: { window, document, navigator: { onLine: true } },
      heartbeat: false,
      tabs: shareTabs({ locks, channel: bus.open }),
    });
    return { socket, window, document };
  };
  const tabs = Array.from({ length: count }, open);
  const live = () =>
    WebSocket.instances.filter((ws) => ws.closedByClient === null && ws.readyState < 2);
  return { tabs, locks, WebSocket, live };
}

const pageEvent = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
  Object.assign(new Event(type), { persisted });

describe('tabs: the back/forward cache and freezing', () => {
  it('a leader going into the bfcache hands the connection over, and comes back a follower', async () => {
    const b = browser(2);
    const [first, second] = b.tabs as [Tab, Tab];
    await settle();
    b.WebSocket.last().open();
    await settle();
    expect(tabRole(first.socket)).toBe('leader');

    first.window.dispatchEvent(pageEvent('pagehide', true));
    await settle();
    expect(b.WebSocket.instances[0]?.closedByClient).not.toBeNull();
    expect(tabRole(second.socket)).toBe('leader');
    expect(b.live()).toHaveLength(1);
    b.WebSocket.last().open();
    await settle();

    first.window.dispatchEvent(pageEvent('pageshow', true));
    await settle();
    expect(tabRole(first.socket)).toBe('follower');
    expect(first.socket.getSnapshot().status).toBe('open');
    expect(b.live()).toHaveLength(1);
    for (const t of b.tabs) t.socket.close();
  });

  it('a page leaving for good (pagehide, not persisted) keeps leading until it is gone', async () => {
    const b = browser(2);
    await settle();
    b.WebSocket.last().open();
    await settle();
    b.tabs[0]?.window.dispatchEvent(pageEvent('pagehide', false));
    await settle();
    expect(b.tabs.map((t) => tabRole(t.socket))).toEqual(['leader', 'follower']);
    for (const t of b.tabs) t.socket.close();
  });

  it('a frozen leader (document freeze) hands over; on resume it follows', async () => {
    const b = browser(2);
    const [first, second] = b.tabs as [Tab, Tab];
    await settle();
    b.WebSocket.last().open();
    await settle();
    first.document.dispatchEvent(new Event('freeze'));
    await settle();
    expect(tabRole(second.socket)).toBe('leader');
    first.document.dispatchEvent(new Event('resume'));
    await settle();
    expect(tabRole(first.socket)).toBe('follower');
    for (const t of b.tabs) t.socket.close();
  });

  it('a cached follower leaves the lock queue: the lock goes to a tab that runs', async () => {
    const b = browser(3);
    const [first, second, third] = b.tabs as [Tab, Tab, Tab];
    await settle();
    b.WebSocket.last().open();
    await settle();
    // The second tab is next in the queue; cached, it must not be granted the lock.
    second.window.dispatchEvent(pageEvent('pagehide', true));
    await settle();
    first.socket.close();
    await settle();
    // Granted to the first tab, then straight to the third: a cached page's lock callback would
    // not run until it came back, so the lock must never be granted to it.
    expect(b.locks.holder(NAME)).toBe(2);
    expect(tabRole(third.socket)).toBe('leader');
    expect(tabRole(second.socket)).toBe('follower');
    expect(b.live()).toHaveLength(1);
    for (const t of b.tabs) t.socket.close();
  });

  it('a tab closed while in the bfcache connects again later on a fresh channel', async () => {
    const b = browser(2);
    const [first, second] = b.tabs as [Tab, Tab];
    await settle();
    b.WebSocket.last().open();
    await settle();
    second.window.dispatchEvent(pageEvent('pagehide', true));
    second.socket.close();
    second.socket.connect();
    await settle();
    expect(tabRole(second.socket)).toBe('follower');
    expect(second.socket.getSnapshot().status).toBe('open');
    first.socket.close();
    second.socket.close();
  });

  it('a work request handed while the follower was cached is handed again when it comes back', async () => {
    const b = browser(2);
    const [first, second] = b.tabs as [Tab, Tab];
    await settle();
    b.WebSocket.last().open();
    await settle();
    second.window.dispatchEvent(pageEvent('pagehide', true));
    await settle();
    // Posted into a closed channel while cached: no tab hears it.
    const reply = request(second.socket, 'ask', 'q');
    await settle();
    expect(b.WebSocket.last().frames()).toEqual([]);
    second.window.dispatchEvent(pageEvent('pageshow', true));
    await settle();
    const ask = b.WebSocket.last().frames()[0];
    expect(ask?.type).toBe('ask');
    b.WebSocket.last().receive({
      type: 'answer',
      data: 1,
      meta: { request_id: ask?.meta?.request_id },
    });
    await expect(reply).resolves.toMatchObject({ data: 1 });
    first.socket.close();
    second.socket.close();
  });
});

describe('tabs: sends the leader only queued', () => {
  it('a follower send queued by a leader that leaves before writing it goes out through the next', async () => {
    const b = browser(2);
    const [first, second] = b.tabs as [Tab, Tab];
    await settle();
    // The first socket never opens: the leader queues the follower's send.
    expect(second.socket.send('chat', 'kept')).toEqual({ status: 'queued' });
    await settle();
    first.socket.close();
    await settle();
    const next = b.WebSocket.last();
    expect(next).not.toBe(b.WebSocket.instances[0]);
    next.open();
    await settle();
    expect(next.frames().map((f) => f.data)).toEqual(['kept']);
    second.socket.close();
  });

  it('once the leader wrote a queued follower send, the next leader does not send it again', async () => {
    const b = browser(2);
    const [first, second] = b.tabs as [Tab, Tab];
    await settle();
    second.socket.send('chat', 'once');
    await settle();
    b.WebSocket.last().open();
    await settle();
    expect(
      b.WebSocket.last()
        .frames()
        .map((f) => f.data),
    ).toEqual(['once']);
    first.socket.close();
    await settle();
    b.WebSocket.last().open();
    await settle();
    expect(b.WebSocket.last().frames()).toEqual([]);
    second.socket.close();
  });
});
