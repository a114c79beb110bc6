// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import type { SessionEvent } from '../session/history-store.js';
import { createChannelHub, readMessage } from './channels.js';
import type { RedisMessageListener, RedisSubscriberClient } from './client.js';
import { splitAroundSeq } from './seq-template.js';

/** A subscriber connection driven by the test. */
function fakeSubscriber() {
  const events = new Map<string, Array<() => void>>();
  const channels = new Map<string, Set<RedisMessageListener>>();
  const commands: string[] = [];
  let failNext = false;
  const subscriber: RedisSubscriberClient & { isReady: boolean } = {
    isReady: true,
    async subscribe(channel, listener) {
      commands.push(`SUBSCRIBE ${channel}`);
      if (failNext) {
        failNext = false;
        throw new Error('timeout');
      }
      const set = channels.get(channel) ?? new Set();
      set.add(listener);
      channels.set(channel, set);
    },
    async unsubscribe(channel, listener) {
      commands.push(`UNSUBSCRIBE ${channel}`);
      channels.get(channel)?.delete(listener);
    },
    on(event: string, listener: (error: Error) => void) {
      const call = () => listener(new Error(event));
      events.set(event, [...(events.get(event) ?? []), call]);
      return undefined;
    },
  };
  return {
    subscriber,
    commands,
    failNext: () => {
      failNext = true;
    },
    publish: (channel: string, message: string) => {
      for (const listener of channels.get(channel) ?? []) listener(message, channel);
    },
    emit: (event: string) => {
      for (const listener of events.get(event) ?? []) listener();
    },
  };
}

describe('createChannelHub', () => {
  it('shares one SUBSCRIBE between listeners of a channel and unsubscribes when the last leaves', async () => {
    const fake = fakeSubscriber();
    const hub = createChannelHub(fake.subscriber, 100, () => {});
    const first: SessionEvent[] = [];
    const second: SessionEvent[] = [];
    const a = await hub.subscribe('c', (event) => first.push(event));
    const b = await hub.subscribe('c', (event) => second.push(event));
    fake.publish('c', 'f7 {"x":1}');
    expect(first).toEqual([{ type: 'frame', seq: 7, text: '{"x":1}' }]);
    expect(second).toEqual(first);
    a();
    expect(fake.commands).toEqual(['SUBSCRIBE c']);
    b();
    expect(fake.commands).toEqual(['SUBSCRIBE c', 'UNSUBSCRIBE c']);
    expect(hub.listeners).toBe(0);
  });

  it('tells every listener it lost events when the connection comes back, and at once when a SUBSCRIBE fails while reachable', async () => {
    vi.useFakeTimers();
    try {
      const fake = fakeSubscriber();
      const hub = createChannelHub(fake.subscriber, 100, () => {});
      const events: string[] = [];
      await hub.subscribe('one', (event) => events.push(`one ${event.type}`));
      fake.emit('ready'); // the first connection: nothing was missed by a confirmed listener
      expect(events).toEqual([]);
      fake.failNext();
      await hub.subscribe('two', (event) => events.push(`two ${event.type}`));
      await vi.advanceTimersByTimeAsync(0);
      expect(events).toEqual(['two lost']);
      fake.subscriber.isReady = false;
      fake.emit('reconnecting');
      fake.subscriber.isReady = true;
      fake.emit('ready');
      expect(events).toEqual(['two lost', 'one lost', 'two lost']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads frame and claim messages, and ignores anything else', () => {
    expect(readMessage('f12 {"a":"f1 x"}')).toEqual({
      type: 'frame',
      seq: 12,
      text: '{"a":"f1 x"}',
    });
    expect(readMessage('cabc:3')).toEqual({ type: 'claimed', owner: 'abc:3' });
    expect(readMessage('f0 x')).toBeUndefined();
    expect(readMessage('fx y')).toBeUndefined();
    expect(readMessage('hello')).toBeUndefined();
  });
});

describe('splitAroundSeq', () => {
  it('splits the frame text around its seq so that joining with any seq gives that frame', () => {
    const encode = (seq: number) => `{"type":"t","data":"918273645546372","meta":{"seq":${seq}}}`;
    const parts = splitAroundSeq(encode);
    expect(parts.join('42')).toBe(encode(42));
    expect(() => splitAroundSeq(() => '{"no":"seq"}')).toThrow(TypeError);
  });
});
