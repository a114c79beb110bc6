/**
 * A tab's sends and requests, run on the shared socket for it: bounded per tab (`maxTabWork`),
 * each settled exactly once back to that tab (`sent`, `failed`, or its reply), its faults to it
 * only (routing.ts says how they are known).
 */

import type { Delivered, Socket } from '../core/types.js';
import { DELIVERY_DEFAULTS } from '../delivery/options.js';
import type { Fault } from '../protocol/fault.js';
import { isFaultError } from '../protocol/fault-error.js';
import { why } from '../protocol/why.js';
import { request } from '../request/request.js';
import { type Asker, type HubContext, hears, type Shared, type Tab } from './hub-context.js';
import type { Routing } from './routing.js';
import type { TabMessage } from './wire.js';

type Work = Extract<TabMessage, { t: 'send' | 'request' }>;

/** Runs `m` for `tab` on `shared`, or refuses it (an id in flight, too much work in flight). */
export function runWork(
  ctx: HubContext,
  routing: Routing,
  problem: (tab: Tab, text: string) => void,
  tab: Tab,
  shared: Shared,
  m: Work,
): void {
  // Sends on a socket with delivery are bounded by delivery's `maxUnacked` (across tabs), not
  // here: a tab hands a new worker all it kept, which may be more than `maxTabWork`.
  const sends = shared.options.delivery !== undefined ? 0 : tab.sends.size;
  if (tab.sends.has(m.id) || tab.requests.has(m.id)) problem(tab, why('work_in_flight', m.id));
  else if (sends + tab.requests.size >= ctx.n.maxTabWork) {
    const f = ctx.fault('queue_overflow', why('tab_work_full', ctx.n.maxTabWork));
    ctx.send(tab, { v: 1, t: 'fault', fault: f, context: {} });
    ctx.send(
      tab,
      m.t === 'send'
        ? { v: 1, t: 'sent', id: m.id, fault: f }
        : { v: 1, t: 'failed', id: m.id, fault: f },
    );
  } else if (m.t === 'send') {
    const { tag } = m;
    const { outbox } = shared;
    if (tag === undefined || !outbox) onSend(ctx, routing, tab, shared, m);
    else {
      // A tab's send kept on the device already (by a worker that died, whose word of it to the
      // tab died with it) is followed by its tag, never sent twice; the tab's sends wait for what
      // was kept to be read, in their order.
      tab.sends.add(m.id);
      outbox.known(tag, (kept) => {
        tab.sends.delete(m.id);
        // Made at once: the outbox keeps it under the tag.
        if (!kept) onSend(ctx, routing, tab, shared, m);
        else {
          // Its `durable()` as the device says (before its receipt, which waits for the server);
          // kept, a next worker is asked to follow it by this id.
          const told = kept.then((id) => {
            if (hears(tab, shared)) ctx.send(tab, { v: 1, t: 'outbox', id: m.id, kept: id });
          });
          follow(ctx, tab, shared, m.id, tag, told);
        }
      });
    }
  } else onRequest(ctx, routing, tab, shared, m);
}

function onSend(
  ctx: HubContext,
  routing: Routing,
  tab: Tab,
  shared: Shared,
  m: Extract<TabMessage, { t: 'send' }>,
) {
  const { send } = ctx;
  const asker: Asker = { tab, id: m.id };
  tab.sends.add(m.id);
  let result: ReturnType<Socket['send']>;
  let stored = false;
  const mine = (f: Fault, value: ReturnType<Socket['send']> | undefined) => {
    const is = value?.status === 'rejected' && f === value.fault;
    stored ||= is;
    return is;
  };
  try {
    result = routing.within(
      asker,
      'send',
      () => shared.socket.send(m.type, m.data as never, m.meta),
      mine,
    );
  } catch (error) {
    // The socket refused the call itself (data JSON cannot carry): the tab checked, so a bug.
    tab.sends.delete(m.id);
    const f = ctx.fault('connection_closed', why('worker_threw', 'send', String(error)));
    send(tab, { v: 1, t: 'fault', fault: f, context: {} });
    return send(tab, { v: 1, t: 'sent', id: m.id, fault: f });
  }
  if (result.status !== 'rejected') {
    // With delivery the send ends with its receipt, told to its tab only (by the asker, never by
    // timing). A tab that left gets nothing; one the hub dropped still does (`hears`: it kept the
    // send). The entry goes either way: nothing is kept for a tab that left but delivery's own
    // books (bounded by `maxUnacked`).
    // With a durable outbox the tab is told the id the send is kept under (so that, should this
    // worker die, it asks the next one to follow it rather than send it again), before its
    // receipt: the outbox bounds the write, so the receipt waits a bounded time.
    const kept = result.delivered && shared.outbox?.keptId(result.delivered);
    const told = kept?.then((id) => {
      if (hears(tab, shared)) send(tab, { v: 1, t: 'outbox', id: m.id, kept: id });
    });
    const end = (how: { delivered: Delivered } | { fault: Fault }) => {
      if (asker.frame) shared.kept.delete(asker.frame);
      const tell = () => {
        tab.sends.delete(m.id);
        if (hears(tab, shared)) send(tab, { v: 1, t: 'sent', id: m.id, ...how });
      };
      if (told) void told.then(tell);
      else tell();
    };
    result.delivered?.then(
      (delivered) => end({ delivered }),
      (error: unknown) =>
        end({
          fault: isFaultError(error)
            ? error.fault
            : ctx.fault('connection_closed', why('worker_threw', 'send', String(error))),
        }),
    );
    return;
  }
  tab.sends.delete(m.id);
  const f = result.fault;
  // Not reported by the socket (it is stopped): the tab answered `queued`, so its store hears.
  if (!stored) send(tab, { v: 1, t: 'fault', fault: f, context: {} });
  send(tab, { v: 1, t: 'sent', id: m.id, fault: f });
}

function onRequest(
  ctx: HubContext,
  routing: Routing,
  tab: Tab,
  shared: Shared,
  m: Extract<TabMessage, { t: 'request' }>,
) {
  const { send } = ctx;
  const controller = new AbortController();
  const entry = { controller, replied: false };
  tab.requests.set(m.id, entry);
  const asker = { tab, id: m.id, request: entry };
  const timeoutMs = m.timeoutMs === null ? Number.POSITIVE_INFINITY : m.timeoutMs;
  const mine = (f: Fault) =>
    f.requestId !== undefined && shared.owners.get(f.requestId)?.tab === tab;
  const promise = routing.within(
    asker,
    'request',
    () =>
      request(shared.socket, m.type, m.data as never, {
        signal: controller.signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(m.retryOnReconnect === undefined ? {} : { retryOnReconnect: m.retryOnReconnect }),
      }),
    mine,
  );
  const over = () => tab.requests.get(m.id) === entry && tab.requests.delete(m.id);
  promise.then(
    (envelope) => {
      // Replies reach the tab as messages; one that did not (a reply of a heartbeat type) here.
      if (over() && !entry.replied && tab.shared === shared)
        send(tab, { v: 1, t: 'message', envelope, reply: m.id });
    },
    (error: unknown) => {
      if (!over() || tab.shared !== shared) return;
      const f = isFaultError(error)
        ? error.fault
        : ctx.fault('request_aborted', why('worker_threw', 'request', String(error)));
      send(tab, { v: 1, t: 'failed', id: m.id, fault: f });
    },
  );
}

/**
 * A tab's send kept on the device by an earlier worker (it died), or by this one (the tab took it
 * for dead): not sent again, its fate followed by id in this worker's outbox, which sends what
 * was kept itself, under its seq, exactly once. Told to the tab as its receipt (`sent`).
 */
export function adoptWork(
  ctx: HubContext,
  problem: (tab: Tab, text: string) => void,
  tab: Tab,
  shared: Shared,
  m: Extract<TabMessage, { t: 'adopt' }>,
): void {
  if (tab.sends.has(m.id) || tab.requests.has(m.id)) {
    problem(tab, why('work_in_flight', m.id));
    return;
  }
  // A tab follows at most what it may keep (delivery's `maxUnacked`): more is not a tab's work.
  const most =
    (shared.options.delivery as { maxUnacked?: number } | undefined)?.maxUnacked ??
    DELIVERY_DEFAULTS.maxUnacked;
  if (tab.sends.size >= most) {
    const f = ctx.fault('queue_overflow', why('max_unacked', most));
    ctx.send(tab, { v: 1, t: 'fault', fault: f, context: {} });
    ctx.send(tab, { v: 1, t: 'sent', id: m.id, fault: f });
    return;
  }
  follow(ctx, tab, shared, m.id, m.kept);
}

/** The tab's send `id` ends as the send kept under `kept` does: told as its receipt (`sent`). */
/** (`told`: the tab's word of `durable()`, which goes before the receipt.) */
function follow(
  ctx: HubContext,
  tab: Tab,
  shared: Shared,
  id: number,
  kept: string,
  told?: Promise<void>,
): void {
  tab.sends.add(id);
  // No outbox here (options cannot differ from the tab's: a bug): its fate is not known.
  const fate = shared.outbox?.follow(kept) ?? Promise.resolve('unconfirmed' as const);
  void Promise.all([fate, told]).then(([fate]) => {
    if (!tab.sends.delete(id) || !hears(tab, shared)) return;
    ctx.send(
      tab,
      typeof fate === 'string'
        ? { v: 1, t: 'sent', id, delivered: fate }
        : { v: 1, t: 'sent', id, fault: fate },
    );
  });
}
