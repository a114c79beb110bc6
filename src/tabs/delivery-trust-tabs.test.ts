/**
 * Delivery you can trust across tabs (issue 19): a new leader resumes the shared session with its
 * secret (told over the tabs' channel, never in a snapshot); it believes a welcome acknowledging
 * what earlier leaders sent (up to the numbers they may have used), and no more; work an earlier
 * leader numbered is not sent into a session the server replaced; endSession() in any tab ends
 * the session for every tab. In-memory locks and channels, a fake WebSocket per tab.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ackOn,
  appFramesOf,
  helloOf,
  receiptOf,
  watch,
  welcomeOn,
} from '../../test/support/delivery-wire.js';
import { type FakeWebSocket, fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { FaultError } from '../protocol/fault-error.js';
import { SEQ_GAP } from './delivery-handover.js';
import { shareTabs } from './plugin.js';
import { tabRole } from './shared-socket.js';
import type { ChannelLike } from './wire.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const settle = () => vi.advanceTimersByTimeAsync(0);
const NAME = 'sockguard:wss://chat.test/ws';

/** Two tabs, each with its own fake WebSocket class, and what lets a test crash the leader. */
async function twoTabs() {
  const locks = memoryLocks();
  const bus = memoryChannels();
  const classes = [fakeWebSocketClass(), fakeWebSocketClass()];
  const channels: ChannelLike[] = [];
  const posted: unknown[] = [];
  const tabs: Socket[] = classes.map((WebSocket, index) =>
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
          return {
            postMessage: (message: unknown) => {
              posted.push(message);
              channel.postMessage(message);
            },
            addEventListener: channel.addEventListener.bind(channel),
            removeEventListener: channel.removeEventListener.bind(channel),
            close: channel.close.bind(channel),
          };
        },
      }),
    }),
  );
  await settle();
  const first = classes[0]?.last() as FakeWebSocket;
  first.open();
  /** The leader's tab crashes; the other leads and opens its WebSocket. */
  const crash = async () => {
    channels[0]?.close();
    locks.crash(NAME);
    await settle();
    expect(tabRole(tabs[1] as Socket)).toBe('leader');
    const next = classes[1]?.last() as FakeWebSocket;
    next.open();
    await settle();
    return next;
  };
  return { tabs, first, crash, posted, latest: () => classes[1]?.last() as FakeWebSocket };
}

const faultOf = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof FaultError)) throw new Error(`not a FaultError: ${String(error)}`);
  return error.fault;
};

describe('tabs with delivery: trust', () => {
  it('a new leader resumes with the secret the tabs shared, which no snapshot shows', async () => {
    const { tabs, first, crash, posted } = await twoTabs();
    welcomeOn(first, { secret: 'shared-secret-9' });
    await settle();
    expect(JSON.stringify(tabs.map((t) => deliveryOf(t).getSnapshot()))).not.toContain(
      'shared-secret-9',
    );
    expect(JSON.stringify(posted)).toContain('shared-secret-9');
    const next = await crash();
    expect(helloOf(next).data).toEqual({
      v: 1,
      session: 's1',
      last_seq: 0,
      secret: 'shared-secret-9',
    });
    for (const t of tabs) t.close();
  });

  it("a new leader believes a welcome acknowledging the old leader's sends, up to the numbers it may have used, and no more", async () => {
    const { tabs, first, crash, latest } = await twoTabs();
    welcomeOn(first);
    await settle();
    const handed = watch(receiptOf(tabs[1]?.send('chat', 'handed')));
    tabs[0]?.send('chat', 'own');
    await settle();
    expect(appFramesOf(first).map((f) => f.meta?.seq)).toEqual([1, 2]);
    const next = await crash();
    // Past anything an earlier leader may have numbered: a violation, and nothing settled.
    welcomeOn(next, { resumed: true, acked: 2 + SEQ_GAP + 1 });
    await settle();
    expect(handed.settled).toBe(false);
    expect(tabs[1]?.getSnapshot().lastFault?.code).toBe('protocol_violation');
    // Retried: the server processed both sends of the old leader, which this one never wrote.
    await vi.advanceTimersByTimeAsync(1000);
    const again = latest();
    again.open();
    await settle();
    welcomeOn(again, { resumed: true, acked: 2 });
    await settle();
    ackOn(again, 2);
    await settle();
    expect(handed).toMatchObject({ settled: true, value: 'acknowledged' });
    expect(deliveryOf(tabs[1] as Socket).getSnapshot()).toMatchObject({ mode: 'on', unacked: 0 });
    for (const t of tabs) t.close();
  });

  it('work an earlier leader numbered is not sent into a session the server replaced: it may have been processed', async () => {
    const { tabs, first, crash } = await twoTabs();
    welcomeOn(first);
    await settle();
    const handed = receiptOf(tabs[1]?.send('chat', 'handed'));
    await settle();
    expect(appFramesOf(first)).toHaveLength(1);
    const next = await crash();
    const fresh = watch(receiptOf(tabs[1]?.send('chat', 'fresh')));
    welcomeOn(next, { session: 's2', reason: 'unknown_session', secret: 'k2' });
    await settle();
    const fault = await faultOf(handed);
    expect(fault.code).toBe('session_changed');
    expect(fault.detail.cause).toMatch(/may have been processed/);
    // Only the work no one ever wrote goes into the new session.
    expect(appFramesOf(next).map((f) => f.data)).toEqual(['fresh']);
    ackOn(next, appFramesOf(next)[0]?.meta?.seq);
    await settle();
    expect(fresh).toMatchObject({ settled: true, value: 'acknowledged' });
    for (const t of tabs) t.close();
  });

  it('endSession() in a follower ends the session in every tab: what was kept is rejected, and the next leader starts a new session', async () => {
    const { tabs, first, crash } = await twoTabs();
    welcomeOn(first);
    await settle();
    const kept = receiptOf(tabs[1]?.send('chat', 'kept'));
    await settle();
    deliveryOf(tabs[1] as Socket).endSession();
    await settle();
    expect((await faultOf(kept)).code).toBe('session_changed');
    expect(tabs.map((t) => deliveryOf(t).getSnapshot().session)).toEqual([null, null]);
    const next = await crash();
    expect(helloOf(next).data).toEqual({ v: 1, session: null, last_seq: 0 });
    for (const t of tabs) t.close();
  });
});
