/**
 * The store's subscriptions on one subscriber connection: one Redis channel per session with
 * listeners, several listeners per channel (two connections of a session on one instance, a
 * moment during a handover), and `lost` for the listeners that may have missed messages: every
 * one after the connection dropped and came back, and one whose SUBSCRIBE was not confirmed.
 */
import { startTimer } from '../session/context.js';
import type { SessionEvent, Unsubscribe } from '../session/history-store.js';
import { type RedisMessageListener, type RedisSubscriberClient, withTimeout } from './client.js';

type Listener = (event: SessionEvent) => void;

interface Entry {
  readonly listener: Listener;
  confirmed: boolean;
}

interface Channel {
  readonly entries: Set<Entry>;
  readonly dispatch: RedisMessageListener;
  /** The SUBSCRIBE: resolves true once confirmed, false when it failed. */
  ready: Promise<boolean> | undefined;
  /** The last SUBSCRIBE failed: the next listener tries again. */
  failed: boolean;
}

/**
 * Reads a channel message (`f<seq> <text>`, `c<owner>`, or `x`: the session is gone); undefined
 * for anything else.
 */
export function readMessage(message: string): SessionEvent | undefined {
  if (message.startsWith('c')) return { type: 'claimed', owner: message.slice(1) };
  if (message === 'x') return { type: 'forgotten' };
  if (!message.startsWith('f')) return undefined;
  const space = message.indexOf(' ');
  const seq = Number(message.slice(1, space));
  if (space < 0 || !Number.isSafeInteger(seq) || seq <= 0) return undefined;
  return { type: 'frame', seq, text: message.slice(space + 1) };
}

/** The subscriptions of one store. */
export interface ChannelHub {
  subscribe(channel: string, listener: Listener): Promise<Unsubscribe>;
  /** Tells this store's listeners of `channel` an event found here (not through Redis). */
  tell(channel: string, event: SessionEvent): void;
  /** Listeners registered (for tests and `size`-like figures). */
  readonly listeners: number;
  close(): Promise<void>;
}

export function createChannelHub(
  subscriber: RedisSubscriberClient,
  timeoutMs: number,
  report: (operation: string, error: unknown) => void,
): ChannelHub {
  const channels = new Map<string, Channel>();
  let dropped = false;
  let listeners = 0;

  const tell = (entry: Entry, event: SessionEvent): void => {
    try {
      entry.listener(event);
    } catch (error) {
      report('listener', error);
    }
  };

  const lose = (entry: Entry): void => tell(entry, { type: 'lost' });

  subscriber.on('reconnecting', () => {
    dropped = true;
  });
  subscriber.on('error', () => {
    // node-redis then reconnects by itself; `ready` tells us when it is back.
    if (!subscriber.isReady) dropped = true;
  });
  subscriber.on('ready', () => {
    const all = dropped;
    dropped = false;
    for (const channel of channels.values()) {
      for (const entry of [...channel.entries]) {
        if (!all && entry.confirmed) continue;
        entry.confirmed = true;
        lose(entry);
      }
    }
  });

  const open = (name: string, channel: Channel): Promise<boolean> => {
    // The connection dropped and is not back: do not wait for a SUBSCRIBE that cannot be
    // confirmed (a hello would wait commandTimeoutMs for it); `lost` follows at `ready`.
    if (dropped && !subscriber.isReady) return Promise.resolve(false);
    return withTimeout(subscriber.subscribe(name, channel.dispatch), timeoutMs, 'subscribe').then(
      () => true,
      (error: unknown) => {
        report('subscribe', error);
        return false;
      },
    );
  };

  const remove = (name: string, channel: Channel, entry: Entry): void => {
    if (!channel.entries.delete(entry)) return;
    listeners--;
    if (channel.entries.size > 0 || channels.get(name) !== channel) return;
    channels.delete(name);
    withTimeout(subscriber.unsubscribe(name, channel.dispatch), timeoutMs, 'unsubscribe').catch(
      (error: unknown) => report('unsubscribe', error),
    );
  };

  return {
    get listeners() {
      return listeners;
    },
    async subscribe(name, listener) {
      let channel = channels.get(name);
      if (channel === undefined) {
        const entries = new Set<Entry>();
        const dispatch: RedisMessageListener = (message) => {
          const event = readMessage(String(message));
          if (event === undefined || channels.get(name) !== created) return;
          for (const entry of [...entries]) tell(entry, event);
        };
        const created: Channel = { entries, dispatch, ready: undefined, failed: false };
        channel = created;
        channels.set(name, channel);
      }
      const entry: Entry = { listener, confirmed: false };
      channel.entries.add(entry);
      listeners++;
      if (channel.ready === undefined || channel.failed) {
        const current = channel;
        current.failed = false;
        current.ready = open(name, current).then((ok) => {
          if (!ok) current.failed = true;
          return ok;
        });
      }
      const confirmed = await channel.ready;
      if (confirmed) {
        entry.confirmed = true;
      } else if (subscriber.isReady) {
        // Reachable but unconfirmed (a timeout): say so now, nothing else will.
        const current = channel;
        startTimer(() => {
          if (current.entries.has(entry)) lose(entry);
        }, 0);
      }
      const registered = channel;
      return () => remove(name, registered, entry);
    },
    tell(name, event) {
      const channel = channels.get(name);
      if (channel === undefined) return;
      for (const entry of [...channel.entries]) tell(entry, event);
    },
    async close() {
      const all = [...channels.entries()];
      channels.clear();
      listeners = 0;
      await Promise.allSettled(
        all.map(([name, channel]) =>
          withTimeout(subscriber.unsubscribe(name, channel.dispatch), timeoutMs, 'unsubscribe'),
        ),
      );
    },
  };
}
