/**
 * The work this tab asked for and has not heard the end of: each entry settles once, here, with
 * the leader's answer, a timeout of its own, or this tab's `close()`. Kept across handovers, so
 * a new leader is handed what the old one never finished.
 */

import type { FaultContext } from '../core/error-store/error-store.js';
import type { Fault } from '../protocol/fault.js';
import { why } from '../protocol/why.js';
import type { TabCore } from './tab-core.js';
import type { Work } from './wire.js';

/** What the leader's answer settles: the value of a send or the reply of a request, or a fault. */
export type Settle = (
  value: unknown,
  fault: Fault | undefined,
  reported: FaultContext | null,
) => void;

/** One unsettled piece of this tab's work. */
export interface Pending {
  readonly work: Work;
  readonly settle: Settle;
  timer: unknown;
  /** The delivery number the leader gave it, once announced (a new leader re-sends it so). */
  seq?: number;
  /** The request id of its frame on the wire, once announced. */
  requestId?: string;
}

/** The book of this tab's unsettled work, by work id. */
export interface PendingBook {
  readonly entries: Map<string, Pending>;
  /** Adds work (with a timeout of its own when `timeoutMs` is finite); returns its id. */
  add(work: Work, settle: Settle, timeoutMs?: number): string;
  /** Settles work `id` once; later answers for it are ignored. */
  settle(
    id: string,
    value: unknown,
    fault: Fault | undefined,
    reported?: FaultContext | null,
  ): void;
}

/** An empty book; its timeouts are this tab's own (a request settles even if no leader answers). */
export function createPendingBook(core: TabCore): PendingBook {
  const entries = new Map<string, Pending>();
  const settle: PendingBook['settle'] = (id, value, fault, reported = null) => {
    const entry = entries.get(id);
    if (!entry) return;
    entries.delete(id);
    if (entry.timer !== undefined) core.parts.clearTimeout(entry.timer);
    entry.settle(value, fault, reported);
  };
  return {
    entries,
    settle,
    add(work, done, timeoutMs) {
      const id = core.nextId();
      const entry: Pending = { work, settle: done, timer: undefined };
      entries.set(id, entry);
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        // A request whose leader vanished with it must still settle here.
        entry.timer = core.parts.setTimeout(() => {
          const cause = why('tab_no_reply', work.type, timeoutMs);
          // Stored here: the leader's own timeout of it, later, finds it settled.
          settle(
            id,
            undefined,
            core.store.getState().report(core.clientFault('request_timeout', cause)),
          );
        }, timeoutMs);
      }
      return id;
    },
  };
}
