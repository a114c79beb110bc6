/**
 * The tabs a hub knows, and their liveness. A port becomes a tab on its hello (joining the socket
 * of its key, made then if none: one socket per key, options disagreeing refused naming them) and
 * stops being one on its bye, or when it is not heard from for `tabTimeoutMs`: the hub pings every
 * tab each `pingIntervalMs` and drops a silent one at the next tick, so a crashed or frozen tab is
 * gone within `tabTimeoutMs + pingIntervalMs` (11 s by default) of its last message; what it was
 * asked goes to another tab at once. The last tab gone, the socket closes after `closeGraceMs` (a
 * reload's new page says hello again within it and keeps the connection), or, with delivery sends
 * unacknowledged, once they are (at most `lingerMs` later: a worker with `extendedLifetime` finishes
 * sending after its last page). A port that left is kept to say hello again, up to `maxIdlePorts`.
 */

import type { TimerHandle } from '../core/clock.js';
import { differingOptions } from '../core/options-diff.js';
import { deliveryOf } from '../delivery/plugin.js';
import { outboxOf } from '../outbox/channel.js';
import { why } from '../protocol/why.js';
import type { Shared, Tab } from './hub-context.js';
import { aggregate } from './shared-environment.js';
import { openShared, type SharedParts } from './shared-socket.js';
import type { PortLike, TabMessage } from './wire.js';

/** How often a socket kept open for unacknowledged sends looks whether they all are. */
const LINGER_STEP_MS = 200;
/** The tabs and sockets of a hub. */
export interface Registry {
  /** A new port: listened to with `onMessage`, a tab once it says hello. */
  connect(port: PortLike, onMessage: (tab: Tab, data: unknown) => void): void;
  hello(tab: Tab, message: Extract<TabMessage, { t: 'hello' }>): void;
  /** The tab leaves its socket (said goodbye, or `dropped`); its port is kept to say hello again. */
  leave(tab: Tab, dropped: boolean): void;
  /** The tab's browser conditions changed. */
  conditions(tab: Tab, message: Extract<TabMessage, { t: 'conditions' }>): void;
  /** Closes every socket and forgets every tab. */
  stop(): void;
}

/** The registry of the hub of `parts.ctx`. */
export function createRegistry(parts: SharedParts): Registry {
  const { ctx, questions } = parts;
  const { clock, n, send } = ctx;
  const ports = new Map<PortLike, Tab>();
  const shareds = new Map<string, Shared>();
  let pings = 0;
  let tick: TimerHandle | undefined;

  const refuse = (tab: Tab, cause: string) =>
    send(tab, { v: 1, t: 'refused', fault: ctx.fault('connection_closed', cause, true) });

  const welcome = (tab: Tab, shared: Shared) => {
    send(tab, {
      v: 1,
      t: 'welcome',
      snapshot: shared.socket.getSnapshot(),
      pingMs: n.pingIntervalMs,
    });
    if (shared.options.delivery)
      send(tab, { v: 1, t: 'delivery', snapshot: deliveryOf(shared.socket).getSnapshot() });
    if (shared.outbox)
      send(tab, { v: 1, t: 'outbox', snapshot: outboxOf(shared.socket).getSnapshot() });
  };

  function hello(tab: Tab, message: Extract<TabMessage, { t: 'hello' }>) {
    tab.visible = message.visible;
    tab.online = message.online;
    if (tab.shared) {
      if (tab.shared.key === message.key) return welcome(tab, tab.shared);
      leave(tab, false);
    }
    let shared = shareds.get(message.key);
    if (shared) {
      const differ = differingOptions(shared.options, message.options);
      if (differ.length > 0)
        return refuse(tab, why('worker_options', message.key, differ.join(', ')));
    } else {
      try {
        shared = openShared(parts, message.key, message.options);
        shareds.set(message.key, shared);
      } catch (error) {
        return refuse(tab, error instanceof Error ? error.message : String(error));
      }
    }
    if (shared.grace !== undefined) clock.clearTimeout(shared.grace);
    shared.grace = undefined;
    tab.shared = shared;
    shared.tabs.add(tab);
    aggregate(shared.environment, shared.tabs);
    welcome(tab, shared);
    const { status } = shared.socket.getSnapshot();
    if (status === 'idle' || status === 'closed') shared.socket.connect();
    if (tick === undefined) tick = clock.setTimeout(ping, n.pingIntervalMs);
  }

  function leave(tab: Tab, dropped: boolean) {
    const shared = tab.shared;
    if (shared === null) return;
    tab.shared = null;
    tab.dropped = dropped;
    shared.tabs.delete(tab);
    // Its requests end; its sends, handed over already, still go (as a page's last sends would;
    // with delivery, kept until acknowledged: their receipts reach a tab dropped here, not one
    // that said goodbye; hub-context.ts `hears`).
    for (const { controller } of tab.requests.values()) controller.abort();
    tab.requests.clear();
    tab.sends.clear();
    questions.left(tab);
    if (dropped) send(tab, { v: 1, t: 'dropped' });
    aggregate(shared.environment, shared.tabs);
    if (shared.tabs.size === 0) {
      // With delivery, sends still unacknowledged keep the socket open past the grace, checked
      // every LINGER_STEP_MS, until the last is acknowledged or lingerMs has passed.
      let lingered = 0;
      const close = () => {
        shared.grace = undefined;
        if (shared.tabs.size > 0) return;
        if (shared.kept.size > 0 && lingered < n.lingerMs) {
          const step = Math.min(LINGER_STEP_MS, n.lingerMs - lingered);
          lingered += step;
          shared.grace = clock.setTimeout(close, step);
          return;
        }
        shareds.delete(shared.key);
        shared.outbox?.keep();
        shared.socket.close();
      };
      shared.grace = clock.setTimeout(close, n.closeGraceMs);
    }
    idle();
  }

  /** Closes the oldest ports of tabs that left, past `maxIdlePorts`. */
  function idle() {
    const waiting = [...ports.values()].filter((t) => t.shared === null);
    for (const tab of waiting.slice(0, Math.max(0, waiting.length - n.maxIdlePorts))) {
      tab.port.removeEventListener('message', tab.listener);
      ports.delete(tab.port);
      try {
        tab.port.close();
      } catch {
        // Closed already.
      }
    }
  }

  function ping() {
    tick = undefined;
    const now = ctx.elapsed();
    let any = false;
    for (const tab of [...ports.values()]) {
      if (tab.shared === null) continue;
      if (now - tab.heard > n.tabTimeoutMs) {
        leave(tab, true);
        continue;
      }
      any = true;
      send(tab, { v: 1, t: 'ping', n: ++pings });
    }
    if (any) tick = clock.setTimeout(ping, n.pingIntervalMs);
  }

  return {
    connect(port, onMessage) {
      if (ports.has(port)) return;
      const tab: Tab = {
        port,
        listener: (event) => onMessage(tab, event.data),
        shared: null,
        dropped: false,
        heard: ctx.elapsed(),
        visible: true,
        online: true,
        sends: new Set(),
        requests: new Map(),
      };
      ports.set(port, tab);
      port.addEventListener('message', tab.listener);
      port.start?.();
    },
    hello,
    leave,
    conditions(tab, message) {
      tab.visible = message.visible;
      tab.online = message.online;
      if (tab.shared) aggregate(tab.shared.environment, tab.shared.tabs);
    },
    stop() {
      if (tick !== undefined) clock.clearTimeout(tick);
      tick = undefined;
      for (const tab of [...ports.values()]) {
        tab.port.removeEventListener('message', tab.listener);
        tab.shared = null;
      }
      ports.clear();
      for (const shared of shareds.values()) {
        if (shared.grace !== undefined) clock.clearTimeout(shared.grace);
        shared.tabs.clear();
        shared.outbox?.keep();
        shared.socket.close();
      }
      shareds.clear();
    },
  };
}
