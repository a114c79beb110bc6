/**
 * Where the shared socket's faults land, with Web Locks and BroadcastChannel in memory: a fault of
 * one tab's request or send (its timeout, its error envelope) only in the store of the tab that
 * asked, once; a fault of the connection in every tab's store, once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import type { FaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';
import { shareTabs } from './plugin.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const settle = () => vi.advanceTimersByTimeAsync(0);

async function openBrowser(count: number) {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const WebSocket = fakeWebSocketClass();
  const tabs: Socket[] = Array.from({ length: count }, () =>
    createSocket({
      url: 'wss://chat.test/ws',
      WebSocket,
      environment: false,
      heartbeat: false,
      tabs: shareTabs({ locks, channel: bus.open }),
    }),
  );
  await settle();
  const ws = WebSocket.last();
  ws.open();
  await settle();
  return { tabs, ws, WebSocket };
}

const codes = (tab: Socket | undefined, code: string | number) =>
  tab?.errors.getState().history.filter((f) => f.code === code).length;

describe("tabs: a tab's faults stay in its store", () => {
  it("a follower's request that times out is in the asking tab's store once, in no other", async () => {
    const { tabs } = await openBrowser(3);
    const asked = request(tabs[2] as Socket, 'ask', 'q', { timeoutMs: 500 }).catch(
      (e: FaultError) => e,
    );
    await vi.advanceTimersByTimeAsync(600);
    expect(((await asked) as FaultError).fault.code).toBe('request_timeout');
    expect(tabs.map((t) => codes(t, 'request_timeout'))).toEqual([0, 0, 1]);
    for (const t of tabs) t.close();
  });

  it("the server's error envelope for a follower's request reaches only that tab's store", async () => {
    const { tabs, ws } = await openBrowser(3);
    const asked = request(tabs[1] as Socket, 'ask', 'q').catch((e: FaultError) => e);
    await settle();
    const id = ws.frames().find((f) => f.type === 'ask')?.meta?.request_id;
    ws.receive({
      type: 'error',
      data: { code: 4004, message: 'no such item' },
      meta: { request_id: id },
    });
    await settle();
    expect(((await asked) as FaultError).fault.code).toBe(4004);
    expect(tabs.map((t) => codes(t, 4004))).toEqual([0, 1, 0]);
    for (const t of tabs) t.close();
  });

  it("the leader's own request fault stays in the leader's store", async () => {
    const { tabs, ws } = await openBrowser(2);
    const asked = request(tabs[0] as Socket, 'ask', 'q').catch((e: FaultError) => e);
    await settle();
    const id = ws.frames().find((f) => f.type === 'ask')?.meta?.request_id;
    ws.receive({ type: 'error', data: { code: 4004, message: 'nope' }, meta: { request_id: id } });
    await settle();
    expect(((await asked) as FaultError).fault.code).toBe(4004);
    expect(tabs.map((t) => codes(t, 4004))).toEqual([1, 0]);
    for (const t of tabs) t.close();
  });

  it("a connection fault reaches every tab's store once, and is resolved in each on reopen", async () => {
    const { tabs, ws, WebSocket } = await openBrowser(3);
    ws.drop(1006);
    await settle();
    const stored = tabs.map((t) => t.errors.getState().history.map((f) => f.id));
    expect(stored[0]).toHaveLength(1);
    expect(stored).toEqual([stored[0], stored[0], stored[0]]);
    expect(tabs.map((t) => t.errors.getState().active.length)).toEqual([1, 1, 1]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(WebSocket.last()).not.toBe(ws);
    WebSocket.last().open();
    await settle();
    expect(tabs.map((t) => t.getSnapshot().status)).toEqual(['open', 'open', 'open']);
    expect(tabs.map((t) => t.errors.getState().active.length)).toEqual([0, 0, 0]);
    for (const t of tabs) t.close();
  });

  it("the leader's store drops the fatal fault when the socket opens again after reconnect()", async () => {
    const { tabs, ws, WebSocket } = await openBrowser(2);
    ws.receive({ type: 'error', data: { code: 4003, message: 'Token expired' } });
    ws.drop(4003, 'Token expired', true);
    await settle();
    expect(tabs[0]?.getSnapshot().status).toBe('failed');
    expect(tabs[0]?.errors.getState().fatal).not.toBeNull();
    tabs[0]?.reconnect();
    await settle();
    WebSocket.last().open();
    await settle();
    expect(tabs[0]?.getSnapshot().status).toBe('open');
    expect(tabs[0]?.errors.getState().fatal).toBeNull();
    for (const t of tabs) t.close();
  });
});
