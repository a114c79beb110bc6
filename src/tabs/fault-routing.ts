/**
 * Where the faults of the leader's socket go. A fault of one tab's request or send (its timeout,
 * its error envelope, its rejected receipt) belongs in the store of the tab that asked only; a
 * fault of the connection (a close, the transport, auth) reaches every tab's store once.
 *
 * The socket reports a fault before it settles the work it belongs to, and only the settlement
 * tells whose work that was. So the leader's socket reports into a store of its own; each fault
 * is held for a few microtasks, long enough for the settlement's reaction (which runs one
 * microtask after the report) to claim it; what nobody claimed then goes to every tab.
 */

import {
  createErrorStore,
  type ErrorStore,
  type FaultContext,
  type StoredFault,
} from '../core/error-store/error-store.js';
import type { Fault } from '../protocol/fault.js';
import type { TabCore } from './tab-core.js';

/** The store the leader's socket reports into, and the claims on what it holds. */
export interface FaultRouter {
  readonly store: ErrorStore;
  /**
   * The fault that settled one tab's work: the context it was reported with when the socket
   * reported it (the caller gives it to that tab only); null for a fault it only settled with.
   */
  claim(fault: Fault): FaultContext | null;
  stop(): void;
}

/** Microtask hops a held fault waits: the settling reaction runs after the first. */
const HOPS = 3;

/** The router of one leadership: made when a tab starts leading, stopped when it stops. */
export function routeFaults(
  core: TabCore,
  everyone: (fault: Fault, origin: string) => void,
  /** The socket dismissed its fatal fault (it opened again after `reconnect()`). */
  dismissed: (id: string) => void,
): FaultRouter {
  const { clock } = core.parts.options;
  const store = createErrorStore(clock ? { clock } : {});
  /** Ids seen, so a merged repeat (same id) is not passed on twice. */
  const seen = new Set<string>();
  /** Faults reported and not yet passed on, oldest first. */
  let held: StoredFault[] = [];
  let stopped = false;
  const hop = (left: number) => {
    if (left > 0) return queueMicrotask(() => hop(left - 1));
    const due = held;
    held = [];
    if (!stopped) for (const fault of due) everyone(fault, fault.origin ?? '');
  };
  const unsubscribe = store.subscribe((state, before) => {
    // Fatal faults never expire: one gone from the store was dismissed by the socket.
    if (before.fatal && !state.fatal) dismissed(before.fatal.id);
    const fresh: StoredFault[] = [];
    for (const fault of state.history) {
      if (seen.has(fault.id)) break;
      seen.add(fault.id);
      fresh.unshift(fault);
    }
    if (fresh.length === 0) return;
    if (held.length === 0) hop(HOPS);
    held.push(...fresh);
  });
  return {
    store,
    claim(fault) {
      const index = held.findIndex((f) => f.id === fault.id);
      if (index === -1) return null;
      const [stored] = held.splice(index, 1);
      return { origin: stored?.origin ?? '' };
    },
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
