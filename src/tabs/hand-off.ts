/**
 * A follower's sends and requests: handed to the leader over the channel (or run at once when
 * this tab leads) and settled here, with the leader's answer or a timeout of this tab's own.
 * The `reply` schema and `signal` of a request stay in this tab (neither can cross the channel).
 */

import type { FaultContext } from '../core/error-store/error-store.js';
import type { EnvelopeMeta, SendResult } from '../core/types.js';
import type { Delivered } from '../delivery/ledger.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { validateData } from '../protocol/standard-schema.js';
import { why } from '../protocol/why.js';
import type { RequestOptions } from '../request/request.js';
import type { DeliveryHandover, Outstanding } from './delivery-handover.js';
import type { Leader } from './leader.js';
import type { PendingBook, Settle } from './pending.js';
import type { TabCore } from './tab-core.js';
import type { Work } from './wire.js';

/** A tab's sends and requests, as a follower hands them on (or runs them, leading). */
export interface HandOff {
  /** Hands this tab's unsettled work to the leader (again: a handover may have lost it). */
  handAll(): void;
  /**
   * Once this tab leads: runs the handed work earlier leaders numbered (by seq, first, so each
   * goes again under its number), then the rest of this tab's unsettled work.
   */
  runAll(outstanding: readonly Outstanding[]): void;
  send(type: string, data: unknown, meta: EnvelopeMeta | undefined): SendResult;
  request(type: string, data: unknown, given: RequestOptions): Promise<Envelope>;
}

/** The hand-off of a tab, over its pending book, its leader part and its delivery books. */
export function createHandOff(
  core: TabCore,
  pending: PendingBook,
  leader: Leader,
  handover: DeliveryHandover,
): HandOff {
  const { store, handlers } = core;
  const asker = (id: string) => ({ tab: core.tab, id });
  const run = (id: string, work: Work) =>
    leader.perform(work, asker(id), (value, fault, reported) =>
      pending.settle(id, value, fault, reported),
    );
  const post = (id: string, work: Work) => {
    const numbered = handover.prior(asker(id));
    core.post({ k: 'work', from: core.tab, id, work, ...(numbered ? { numbered } : {}) });
  };
  /** Hands work to the leader (or runs it, when this tab leads). */
  const hand = (work: Work, settle: Settle, timeoutMs?: number) => {
    const id = pending.add(work, settle, timeoutMs);
    if (core.local) run(id, work);
    else post(id, work);
    return id;
  };
  /** A fault the leader's socket stored for this tab's work: stored here, once. */
  const keep = (fault: Fault | undefined, reported: FaultContext | null) =>
    fault && reported ? store.getState().report(fault, reported) : fault;

  return {
    handAll() {
      for (const [id, entry] of pending.entries) post(id, entry.work);
    },
    runAll(outstanding) {
      const ran = new Set<string>();
      for (const { asker: from, work, numbered } of outstanding) {
        if (from.tab !== core.tab) {
          leader.onWork({ k: 'work', from: from.tab, id: from.id, work, numbered });
          continue;
        }
        const entry = pending.entries.get(from.id);
        if (!entry) continue;
        ran.add(from.id);
        run(from.id, entry.work);
      }
      for (const [id, entry] of [...pending.entries]) if (!ran.has(id)) run(id, entry.work);
    },
    send(type, data, meta) {
      const work: Work = { kind: 'send', type, data, meta };
      // With delivery every send has a receipt, on a plain server too ('unconfirmed' once written).
      if (!core.parts.options.delivery) {
        hand(work, (_value, fault, reported) => {
          if (fault) store.getState().report(fault, reported ?? {});
        });
        return { status: 'queued' };
      }
      let settle: Settle = () => {};
      const delivered = new Promise<Delivered>((resolve, reject) => {
        settle = (value, fault, reported) => {
          const stored = keep(fault, reported);
          if (stored) return reject(new FaultError(stored));
          const outcome = (value as { delivered?: Delivered } | undefined)?.delivered;
          resolve(outcome ?? 'unconfirmed');
        };
      });
      // An app that never looks at the receipt must not get an unhandled rejection.
      delivered.catch(() => {});
      hand(work, settle);
      return { status: 'queued', delivered };
    },
    request(type, data, given) {
      const { reply, signal } = given;
      if (signal?.aborted) {
        const fault = core.clientFault('request_aborted', why('aborted_before'));
        return Promise.reject(new FaultError(fault));
      }
      const timeoutMs = given.timeoutMs ?? core.parts.options.requestTimeoutMs ?? 10_000;
      const work: Work = {
        kind: 'request',
        type,
        data,
        timeoutMs,
        retryOnReconnect: given.retryOnReconnect,
      };
      return new Promise<Envelope>((resolve, reject) => {
        const onAbort = () =>
          pending.settle(id, undefined, core.clientFault('request_aborted', why('aborted')));
        const id = hand(
          work,
          (value, fault, reported) => {
            signal?.removeEventListener('abort', onAbort);
            const stored = keep(fault, reported);
            if (stored) return reject(new FaultError(stored));
            const envelope = value as Envelope;
            const checked = reply ? validateData(reply, envelope.data) : null;
            if (checked && !checked.ok) {
              const cause = why('bad_reply', type, checked.cause);
              const invalid = core.clientFault('invalid_envelope', cause);
              reject(new FaultError(store.getState().report(invalid)));
            } else if (checked && checked.data !== envelope.data) {
              resolve({ ...envelope, data: checked.data });
            } else resolve(envelope);
            // A reply reaches the handlers of the tab that asked only, as on its own socket.
            if (handover.fresh(envelope)) handlers.emit(envelope);
          },
          timeoutMs,
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
