/**
 * One connection for all tabs (SPEC.md section 8): the tabs of an origin that ask for the same key
 * share one WebSocket. The leader (the tab holding the Web Lock named for the key, election.ts)
 * runs an ordinary socket and tells the others, over a BroadcastChannel, its snapshots, messages
 * and faults (leader.ts); followers hand it their sends and requests and get each result back in
 * the tab that asked (hand-off.ts). When the leader's tab closes or crashes the browser frees the
 * lock, the next tab in the lock's queue opens the socket, and followers hand it what is still
 * unsettled; with delivery on, it resumes the session the tabs share (delivery-handover.ts).
 * This file is the public `Socket` of a tab, and the tab's part in the page's life.
 */

import { IDLE as INITIAL_SNAPSHOT } from '../core/machine.js';
import type { MessageHandler, Socket, SocketSnapshot } from '../core/types.js';
import { deliveryOf, showDelivery } from '../delivery/plugin.js';
import type { Envelope } from '../protocol/envelope.js';
import { FaultError } from '../protocol/fault-error.js';
import { why } from '../protocol/why.js';
import { OWN_REQUEST, type RequestOptions, request } from '../request/request.js';
import { createDeliveryHandover } from './delivery-handover.js';
import { createElection } from './election.js';
import { createHandOff } from './hand-off.js';
import { createLeader } from './leader.js';
import { watchPage } from './lifecycle.js';
import { createPendingBook } from './pending.js';
import { createProber } from './probe.js';
import { roles } from './roles.js';
import { createTabCore, type TabsParts } from './tab-core.js';
import { isVisible } from './visibility.js';
import { readTabMessage } from './wire.js';

export { tabRole } from './roles.js';
export type { TabsParts } from './tab-core.js';

/** How long a follower waits for a probed leader to answer before it takes the lock. */
export const HUNG_AFTER_MS = 5000;

/**
 * The socket every tab sharing one connection gets: it leads (runs the real socket) while it
 * holds the Web Lock, and otherwise mirrors the leader and hands it its work.
 */
export function createSharedSocket(parts: TabsParts): Socket {
  const core = createTabCore(parts);
  const { store, handlers } = core;
  const pending = createPendingBook(core);
  const handover = createDeliveryHandover(core);
  const election = createElection(core, {
    lead: () => leader.lead(),
    stolen() {
      // Another tab found this one hung and took the lock: its work goes to the new leader.
      leader.stepDown();
      election.compete();
    },
  });
  const leader = createLeader(core, {
    started: () => handOff.runAll(handover.outstanding()),
    release: () => election.release(),
    handover,
  });
  const handOff = createHandOff(core, pending, leader, handover);
  const prober = createProber(core, parts.hungAfterMs ?? HUNG_AFTER_MS, (hung) =>
    election.steal(hung),
  );
  let stopPage: (() => void) | null = null;

  const tellVisibility = () => {
    if (!core.local && core.joined && !core.closed)
      core.post({ k: 'visible', from: core.tab, visible: isVisible(parts.page?.document) });
  };
  parts.page?.document?.addEventListener('visibilitychange', () => tellVisibility());

  function onMessage(event: { data: unknown }) {
    const message = readTabMessage(event.data);
    if (!message || message.from === core.tab || core.closed) return;
    prober.heard(message);
    handover.onMessage(message);
    switch (message.k) {
      case 'state':
        if (core.local) return;
        // The shared socket opened: this tab's connection faults of it are over too.
        if (message.snapshot.status === 'open' && core.snapshot.status !== 'open' && core.origin)
          store.getState().resolveConnection(core.origin);
        return core.setSnapshot(message.snapshot);
      case 'message':
        if (!core.local && handover.fresh(message.envelope)) handlers.emit(message.envelope);
        return;
      case 'fault':
        if (core.local) return;
        if (message.context.origin) core.origin = message.context.origin;
        store.getState().report(message.fault, message.context);
        return;
      case 'leader':
        if (core.local) return;
        // A new leader: what it never heard of is handed to it again, and whether this tab shows.
        handOff.handAll();
        tellVisibility();
        return;
      case 'ask':
        if (!core.local) return;
        core.post({ k: 'state', from: core.tab, snapshot: core.local.getSnapshot(), origin: '' });
        handover.announce();
        return;
      case 'probe':
        if (core.local) core.post({ k: 'alive', from: core.tab, nonce: message.nonce });
        return;
      case 'work':
        return leader.onWork(message);
      case 'done':
        if (message.to === core.tab)
          pending.settle(message.id, message.value, message.fault, message.reported ?? null);
        return;
      case 'reconnect':
        core.local?.reconnect();
        return;
      case 'end-session':
        if (core.local) deliveryOf(core.local).endSession();
        return;
      case 'visible':
        leader.onVisible(message.from, message.visible);
        return;
    }
  }

  const listen = () => {
    if (core.shut) core.channel = parts.openChannel();
    core.shut = false;
    core.channel.addEventListener('message', onMessage);
  };

  const goAway = () => {
    if (core.away || !core.joined) return;
    core.away = true;
    leader.stepDown();
    // A cached page must not wait in the queue either: granted the lock, it would hold it asleep.
    election.withdraw();
    // Chromium evicts a cached page that a channel message reaches: closed, the page stays
    // cached and comes back with its state.
    core.channel.removeEventListener('message', onMessage);
    core.channel.close();
    core.shut = true;
  };

  const comeBack = () => {
    if (!core.away) return;
    core.away = false;
    if (!core.joined || core.closed) return;
    listen();
    election.compete();
    core.post({ k: 'ask', from: core.tab });
    handOff.handAll();
    tellVisibility();
  };

  const join = () => {
    if (core.joined) return;
    core.joined = true;
    core.closed = false;
    core.away = false;
    listen();
    stopPage = parts.page ? watchPage(parts.page, { away: goAway, back: comeBack }) : null;
    election.compete();
    core.post({ k: 'ask', from: core.tab });
    tellVisibility();
    prober.start();
  };

  const leave = () => {
    // A tab that leaves no longer keeps the leader's retries going.
    if (!core.local && core.joined) core.post({ k: 'visible', from: core.tab, visible: false });
    core.closed = true;
    core.joined = false;
    core.channel.removeEventListener('message', onMessage);
    stopPage?.();
    stopPage = null;
    prober.stop();
    leader.stepDown();
    election.withdraw();
    const cause = why('tab_closed');
    for (const id of [...pending.entries.keys()]) {
      pending.settle(id, undefined, core.clientFault('connection_closed', cause));
    }
  };

  const closedFault = () => core.clientFault('connection_closed', why('tab_socket_closed'));

  const socket: Socket = {
    errors: store,
    getSnapshot: () => core.snapshot,
    subscribe(listener) {
      const own = () => listener();
      core.listeners.add(own);
      return () => core.listeners.delete(own);
    },
    connect: join,
    send(type, data, meta) {
      if (core.local && !leader.holding()) {
        return leader.ownSend(core.local.send(type, data as never, meta));
      }
      if (typeof type !== 'string' || type === '') {
        throw new TypeError(`sockguard: ${why('send_type')}`);
      }
      if (core.closed || !core.joined) return { status: 'rejected', fault: closedFault() };
      return handOff.send(type, data, meta);
    },
    on: (type, handler) => handlers.on(type, handler as MessageHandler),
    reconnect() {
      if (core.local) core.local.reconnect();
      else core.post({ k: 'reconnect', from: core.tab });
    },
    close() {
      if (!core.joined) return;
      leave();
      core.setSnapshot(Object.freeze({ ...INITIAL_SNAPSHOT, status: 'closed' }) as SocketSnapshot);
    },
  } as Socket;
  // `request(socket, ...)` of this tab: the leader's socket asks, any other tab hands it over.
  Object.defineProperty(socket, OWN_REQUEST, {
    value(type: string, data: unknown, requestOptions: RequestOptions = {}) {
      if (core.local && !leader.holding()) {
        return leader.own(request(core.local, type, data as never, requestOptions));
      }
      if (core.closed || !core.joined) return Promise.reject(new FaultError(closedFault()));
      return handOff.request(type, data, requestOptions) as Promise<Envelope>;
    },
  });
  showDelivery(socket, handover.channel);
  roles.set(socket, () => (core.local ? 'leader' : core.joined ? 'follower' : 'closed'));
  if (parts.options.autoConnect ?? true) join();
  return socket;
}
