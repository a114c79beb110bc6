/**
 * Delivery in every tab, with Web Locks and BroadcastChannel in memory and a fake WebSocket that
 * plays the server by hand: a follower's `deliveryOf(socket)` mirrors the leader's, and a follower's
 * send has a receipt settled by the server's ack (or rejected with the fault, in that tab only).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeWebSocket, fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { SendResult, Socket } from '../core/types.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import type { FaultError } from '../protocol/fault-error.js';
import { NOTED_WAIT_MS, SEQ_GAP } from './delivery-handover.js';
import { shareTabs } from './plugin.js';
import { tabRole } from './shared-socket.js';
import type { ChannelLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const settle = () => vi.advanceTimersByTimeAsync(0);

const welcome = (ws: FakeWebSocket, session = 's1') => {
  const hello = ws.frames().find((f) => f.type === 'sockguard.hello');
  ws.receive({
    type: 'sockguard.welcome',
    data: { v: 1, session, resumed: false, seq: 0, acked: 0, secret: 'k1' },
    meta: { request_id: hello?.meta?.request_id },
  });
};

async function openBrowser(count: number, maxResends = 5) {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const WebSocket = fakeWebSocketClass();
  const open = () =>
    createSocket({
      url: 'wss://chat.test/ws',
      WebSocket,
      environment: false,
      heartbeat: false,
      delivery: delivery({ maxResends }),
      tabs: shareTabs({ locks, channel: bus.open }),
    });
  const tabs: Socket[] = Array.from({ length: count }, open);
  await settle();
  const ws = WebSocket.last();
  ws.open();
  welcome(ws);
  await settle();
  return { tabs, ws, WebSocket, open, bus };
}

const receipt = (result: SendResult | undefined) => {
  if (!result || result.status === 'rejected' || !result.delivered) throw new Error('no receipt');
  return result.delivered;
};

describe('tabs with delivery: deliveryOf(socket) in every tab', () => {
  it("a follower's deliveryOf(socket) mirrors the leader's mode, session and unacked count", async () => {
    const { tabs, ws } = await openBrowser(3);
    const heard = vi.fn();
    deliveryOf(tabs[2] as Socket).subscribe(heard);
    expect(tabs.map((t) => deliveryOf(t).getSnapshot().mode)).toEqual(['on', 'on', 'on']);
    expect(deliveryOf(tabs[2] as Socket).getSnapshot().session).toBe('s1');
    tabs[2]?.send('chat', 'one');
    tabs[1]?.send('chat', 'two');
    await settle();
    expect(tabs.map((t) => deliveryOf(t).getSnapshot().unacked)).toEqual([2, 2, 2]);
    expect(heard).toHaveBeenCalled();
    ws.receive({ type: 'sockguard.ack', data: { seq: 2 } });
    await settle();
    expect(tabs.map((t) => deliveryOf(t).getSnapshot().unacked)).toEqual([0, 0, 0]);
    // The same object while nothing changed (useSyncExternalStore needs it).
    expect(deliveryOf(tabs[2] as Socket).getSnapshot()).toBe(
      deliveryOf(tabs[2] as Socket).getSnapshot(),
    );
    for (const t of tabs) t.close();
  });

  it("a numbered message a tab's handlers saw already is not given to them again", async () => {
    const { tabs, ws, bus } = await openBrowser(2);
    const seen: unknown[] = [];
    tabs[1]?.on('push', (e) => seen.push(e.data));
    for (const seq of [1, 2]) ws.receive({ type: 'push', data: seq, meta: { seq } });
    await settle();
    // A leader that resumed from an older seq passes on what this tab saw already.
    const other = bus.open('sockguard:wss://chat.test/ws');
    for (const seq of [2, 3])
      other.postMessage({
        k: 'message',
        from: 'x',
        envelope: { type: 'push', data: seq, meta: { seq } },
      });
    await settle();
    expect(seen).toEqual([1, 2, 3]);
    other.close();
    for (const t of tabs) t.close();
  });

  it('a tab that joins later gets the delivery state at once', async () => {
    const { tabs, open } = await openBrowser(1);
    const late = open();
    await settle();
    expect(deliveryOf(late).getSnapshot()).toMatchObject({ mode: 'on', session: 's1', unacked: 0 });
    for (const t of [...tabs, late]) t.close();
  });

  it("a follower's send returns a receipt that the server's ack settles as acknowledged", async () => {
    const { tabs, ws } = await openBrowser(2);
    const result = tabs[1]?.send('chat', 'hi');
    expect(result?.status).toBe('queued');
    const delivered = receipt(result);
    let outcome: unknown = 'pending';
    delivered.then((value) => {
      outcome = value;
    });
    await settle();
    const frame = ws.frames().find((f) => f.type === 'chat');
    expect(frame?.meta?.seq).toBe(1);
    expect(outcome).toBe('pending');
    ws.receive({ type: 'sockguard.ack', data: { seq: 1 } });
    await settle();
    expect(outcome).toBe('acknowledged');
    for (const t of tabs) t.close();
  });

  it("a follower's send the leader gives up on rejects with the fault, in that tab's store only", async () => {
    const { tabs, ws, WebSocket } = await openBrowser(3, 1);
    const delivered = receipt(tabs[2]?.send('chat', 'lost')).catch((e: FaultError) => e);
    await settle();
    ws.drop(1006); // sent on one connection without an ack: given up (maxResends 1)
    await settle();
    const error = (await delivered) as FaultError;
    expect(error.fault.code).toBe('not_acknowledged');
    const count = (t: Socket) =>
      t.errors.getState().history.filter((f) => f.code === 'not_acknowledged').length;
    expect(tabs.map(count)).toEqual([0, 0, 1]);
    expect(WebSocket.instances).toHaveLength(1);
    for (const t of tabs) t.close();
  });
});

/**
 * One tab per WebSocket class (the same class twice: one fake server for all), delivery on,
 * sharing in-memory locks and channels; `wrap` can stand between a tab and its channel.
 */
function tabsOver(
  classes: ReadonlyArray<ReturnType<typeof fakeWebSocketClass>>,
  wrap: (channel: ChannelLike, index: number) => ChannelLike = (channel) => channel,
) {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const channels: ChannelLike[] = [];
  const tabs = classes.map((WebSocket, index) =>
    createSocket({
      url: 'wss://chat.test/ws',
      WebSocket,
      environment: false,
      heartbeat: false,
      delivery: delivery(),
      tabs: shareTabs({
        locks,
        channel: (name) => {
          const channel = bus.open(name);
          channels[index] = channel;
          return wrap(channel, index);
        },
      }),
    }),
  );
  return { tabs, locks, channels };
}

describe('tabs with delivery: the new leader resumes the session', () => {
  it('hello names the shared session with its secret and the last seq seen; handed sends go again under their seq, new ones far above', async () => {
    const classes = [fakeWebSocketClass(), fakeWebSocketClass()];
    const { tabs, locks, channels } = tabsOver(classes);
    await settle();
    const first = classes[0]?.last() as FakeWebSocket;
    first.open();
    welcome(first);
    await settle();
    const seen: unknown[] = [];
    tabs[1]?.on('push', (e) => seen.push(e.data));
    for (const seq of [1, 2, 3]) first.receive({ type: 'push', data: seq, meta: { seq } });
    const handed = receipt(tabs[1]?.send('chat', 'handed'));
    await settle();
    expect(first.frames().find((f) => f.type === 'chat')?.meta?.seq).toBe(1);

    // The leader's tab crashes: its channel goes quiet and the browser frees its lock.
    channels[0]?.close();
    locks.crash('sockguard:wss://chat.test/ws');
    await settle();
    const next = classes[1]?.last() as FakeWebSocket;
    expect(tabRole(tabs[1] as Socket)).toBe('leader');
    next.open();
    await settle();
    const hello = next.frames().find((f) => f.type === 'sockguard.hello');
    // The secret came over the tabs' channel: a session id alone resumes nothing.
    expect(hello?.data).toEqual({ v: 1, session: 's1', last_seq: 3, secret: 'k1' });
    next.receive({
      type: 'sockguard.welcome',
      data: { v: 1, session: 's1', resumed: true, seq: 4, acked: 0, replay: 1, secret: 'k1' },
      meta: { request_id: hello?.meta?.request_id },
    });
    next.receive({ type: 'push', data: 4, meta: { seq: 4 } });
    await settle();
    const chat = next.frames().filter((f) => f.type === 'chat');
    expect(chat.map((f) => f.meta?.seq)).toEqual([1]);
    tabs[1]?.send('chat', 'new');
    await settle();
    const newer = next.frames().filter((f) => f.type === 'chat')[1];
    expect(newer?.meta?.seq).toBe(1 + SEQ_GAP + 1);
    next.receive({ type: 'sockguard.ack', data: { seq: 1 } });
    await settle();
    await expect(handed).resolves.toBe('acknowledged');
    expect(seen).toEqual([1, 2, 3, 4]);
    for (const t of tabs) t.close();
  });

  it('a number told late, after the new leader took over, is still used: no work takes a new number before the welcome', async () => {
    const classes = [fakeWebSocketClass(), fakeWebSocketClass(), fakeWebSocketClass()];
    /** The old leader's announcements of numbers, on their way to tab 1 still. */
    const late: Array<() => void> = [];
    const slow = (channel: ChannelLike): ChannelLike => {
      const wrapped = new Map<unknown, (event: { data: unknown }) => void>();
      return {
        postMessage: (message) => channel.postMessage(message),
        close: () => channel.close(),
        addEventListener(type, listener) {
          const own = (event: { data: unknown }) => {
            const k = (event.data as { k?: unknown } | null)?.k;
            if (k === 'numbered') late.push(() => listener(event));
            else listener(event);
          };
          wrapped.set(listener, own);
          channel.addEventListener(type, own);
        },
        removeEventListener(type, listener) {
          const own = wrapped.get(listener);
          if (own) channel.removeEventListener(type, own);
        },
      };
    };
    const { tabs, locks, channels } = tabsOver(classes, (channel, index) =>
      index === 1 ? slow(channel) : channel,
    );
    await settle();
    const first = classes[0]?.last() as FakeWebSocket;
    first.open();
    welcome(first);
    await settle();
    tabs[1]?.send('chat', 'mine');
    tabs[2]?.send('chat', 'handed');
    await settle();
    // Tab 1 has not heard the number of 'mine': the leader writes it (and 'handed' behind it)
    // once it has waited long enough for tab 1 to say so.
    expect(first.frames().filter((f) => f.type === 'chat')).toEqual([]);
    await vi.advanceTimersByTimeAsync(NOTED_WAIT_MS);
    expect(
      first
        .frames()
        .filter((f) => f.type === 'chat')
        .map((f) => f.meta?.seq),
    ).toEqual([1, 2]);

    // The leader crashes; tab 1 leads before it heard the numbers of 'mine' and 'handed'.
    channels[0]?.close();
    locks.crash('sockguard:wss://chat.test/ws');
    await settle();
    expect(tabRole(tabs[1] as Socket)).toBe('leader');
    tabs[1]?.send('chat', 'after');
    const next = classes[1]?.last() as FakeWebSocket;
    next.open();
    await settle();
    for (const deliver of late.splice(0)) deliver();
    await settle();
    const hello = next.frames().find((f) => f.type === 'sockguard.hello');
    next.receive({
      type: 'sockguard.welcome',
      data: { v: 1, session: 's1', resumed: true, seq: 0, acked: 0, replay: 0, secret: 'k1' },
      meta: { request_id: hello?.meta?.request_id },
    });
    await settle();
    const chat = next.frames().filter((f) => f.type === 'chat');
    expect(chat.map((f) => f.data)).toEqual(['mine', 'handed', 'after']);
    const seqs = chat.map((f) => f.meta?.seq ?? 0);
    expect(seqs.slice(0, 2)).toEqual([1, 2]);
    expect(seqs[2]).toBeGreaterThan(SEQ_GAP);
    for (const t of tabs) t.close();
  });

  it("a handed frame is written only once the asking tab said it heard the frame's number", async () => {
    const WebSocket = fakeWebSocketClass();
    /** Tab 1's 'noted' messages, held back until released. */
    const heldBack: Array<() => void> = [];
    const { tabs } = tabsOver([WebSocket, WebSocket], (channel, index): ChannelLike => {
      if (index === 0) return channel;
      return {
        postMessage(message: unknown) {
          if ((message as { k?: unknown }).k === 'noted')
            heldBack.push(() => channel.postMessage(message));
          else channel.postMessage(message);
        },
        addEventListener: (type, listener) => channel.addEventListener(type, listener),
        removeEventListener: (type, listener) => channel.removeEventListener(type, listener),
        close: () => channel.close(),
      };
    });
    await settle();
    const ws = WebSocket.last();
    ws.open();
    welcome(ws);
    await settle();
    const chat = () => ws.frames().filter((f) => f.type === 'chat');
    tabs[1]?.send('chat', 'first');
    await settle();
    // Numbered, announced, but the asking tab has not said it heard: not on the wire.
    expect(heldBack).toHaveLength(1);
    expect(chat()).toEqual([]);
    // The leader's own send waits behind it (the order on the wire is the order of the numbers).
    tabs[0]?.send('chat', 'own');
    await settle();
    expect(chat()).toEqual([]);
    for (const release of heldBack.splice(0)) release();
    await settle();
    expect(chat().map((f) => f.data)).toEqual(['first', 'own']);
    // An asking tab that never answers only delays its frame, by NOTED_WAIT_MS.
    tabs[1]?.send('chat', 'second');
    await settle();
    expect(chat()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(NOTED_WAIT_MS);
    expect(chat().map((f) => f.data)).toEqual(['first', 'own', 'second']);
    for (const t of tabs) t.close();
  });
});
