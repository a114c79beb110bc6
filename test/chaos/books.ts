/**
 * The soak's books, reconciled per direction and per message id: what the client's app was told
 * (send status, receipt, reply, fault), what the backend's application handler processed (and in
 * which history epoch), what the client's handlers saw. Each message lands in exactly one of:
 * delivered once, delivered twice, lost with a report, lost silently, still pending at the end.
 */

import { boundsOf, type Policy } from './observer.js';
import type { PhaseResult } from './phase.js';

/** One direction's fates. Maps are keyed by cause. */
export interface Direction {
  total: number;
  once: number;
  twice: number;
  readonly lostReported: Map<string, number>;
  readonly lostSilently: Map<string, number>;
  pending: number;
  outOfOrder: number;
  /** Worth printing, not a fate: e.g. processed again after a history loss. */
  readonly notes: Map<string, number>;
}

/** The retries, against the policy and against the clock. */
export interface RetryFigures {
  planned: number;
  made: number;
  early: number;
  /**
   * Total lateness (beyond the event loop's own lag) over total announced delay: a retry 3x later
   * than announced makes it 2.
   */
  lateRatio: number;
  outOfPolicy: string[];
  /** Hint-free retries at attempt 3 or later, and how many waited longer than `baseMs`. */
  grown: { samples: number; above: number };
  minMs: number;
  maxMs: number;
}

/** Frozen links and how soon the client gave each up. */
export interface FrozenFigures {
  frozen: number;
  /** Frozen links tied to the client's WebSocket (by port). */
  matched: number;
  /** The longest time from the freeze to the client giving the link up. */
  maxLeaveMs: number;
  /** Links the client gave up only when the proxy's late RST came. */
  leftOnRst: number;
  overBound: number;
}

/** A phase's books, reconciled. */
export interface Figures {
  readonly c2s: Direction;
  readonly s2c: Direction;
  readonly requests: {
    started: number;
    replied: number;
    errorReplies: Map<string, number>;
    rejected: Map<string, number>;
    other: number;
    pending: number;
    mismatched: number;
    /**
     * Without delivery: requests still pending well after the link they were written to was
     * given up (neither rejected nor sent again with the drop; settled, if ever, by a later fault).
     */
    leftOnDeadLink: number;
    /**
     * Requests left behind by a link (see {@link STUCK_MS}), however they were settled later (a
     * fatal fault rejects every pending request).
     */
    stuck: number;
  };
  /** Processed although the client said it was never sent (a lie to the app). */
  processedButUnsent: number;
  readonly retries: RetryFigures;
  readonly frozen: FrozenFigures;
  /** Acknowledged sends: from the server's processing to the receipt resolving (ms). */
  readonly ackLatency: { readonly samples: number; readonly median: number; readonly p90: number };
  /** The share of the fault phase a WebSocket of the client was open (frozen links included). */
  readonly uptime: number;
}

const direction = (): Direction => ({
  total: 0,
  once: 0,
  twice: 0,
  lostReported: new Map(),
  lostSilently: new Map(),
  pending: 0,
  outOfOrder: 0,
  notes: new Map(),
});

const bump = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);
/** The sum of a map's counts. */
export const sum = (map: Map<string, number>): number =>
  [...map.values()].reduce((a, b) => a + b, 0);

/** A short name for a client fault's cause (its code alone says little for `connection_closed`). */
function causeOf(code: string, why: string): string {
  if (code !== 'connection_closed') return code;
  if (/connection failed/.test(why)) return 'fatal fault';
  if (/suspended/.test(why)) return 'suspended';
  if (/close\(\)/.test(why)) return 'close()';
  if (/connection lost/.test(why)) return 'drop';
  return 'connection_closed';
}

function clientToServer(r: PhaseResult, f: Figures): void {
  const d = f.c2s;
  const { completed } = r.backend.books;
  let neverWritten = 0;
  for (const [id, m] of r.book.messages) {
    d.total += 1;
    const epochs = completed.get(id) ?? [];
    const { fate } = m;
    if (fate.kind === 'fault' && fate.unsent && epochs.length > 0) f.processedButUnsent += 1;
    if (epochs.length > 0) {
      const distinct = new Set(epochs).size;
      if (epochs.length > distinct) {
        // Without delivery, a request the app asked to retry may be processed again: its choice.
        if (m.retried && !r.config.delivery) bump(d.notes, 'retried requests processed again');
        else d.twice += 1;
      } else {
        d.once += 1;
        if (distinct > 1) bump(d.notes, 'processed again after a history loss');
      }
      if (fate.kind === 'fault') bump(d.notes, `delivered, yet rejected (${fate.code})`);
      if (fate.kind === 'pending' && (r.config.delivery || m.kind === 'request')) d.pending += 1;
      continue;
    }
    if (fate.kind === 'fault') {
      const why =
        m.status === 'rejected' ? `refused at once: ${fate.code}` : causeOf(fate.code, fate.why);
      bump(d.lostReported, why);
    } else if (fate.kind === 'other') bump(d.lostReported, 'not a FaultError');
    else if (fate.kind === 'acknowledged') bump(d.lostSilently, 'acknowledged, never processed');
    else if (fate.kind === 'unconfirmed') bump(d.lostSilently, 'unconfirmed, never processed');
    else if (fate.kind === 'reply' || fate.kind === 'error reply')
      bump(d.lostSilently, 'answered, never processed');
    else if (r.config.delivery || m.kind === 'request') d.pending += 1;
    else if ((r.recorder.handed.get(id) ?? []).length > 0)
      bump(d.lostSilently, 'written to a link that died');
    else neverWritten += 1;
  }
  // Without delivery, a queued send the socket gives up on is reported (one fault each, no id).
  const reported = Math.min(neverWritten, r.obs.queuedSendsDropped);
  if (reported > 0) bump(d.lostReported, 'queued, given up', reported);
  if (neverWritten > reported)
    bump(d.lostSilently, 'queued, never written', neverWritten - reported);
  d.outOfOrder = r.backend.books.outOfOrder;
}

function serverToClient(r: PhaseResult, f: Figures): void {
  const d = f.s2c;
  const { pushes, lostSessions } = r.backend.books;
  const resyncedFrom = new Set(r.obs.delivery.resyncs.map((x) => x.from));
  for (const [n, push] of pushes) {
    if (push.state === 'refused') {
      bump(d.notes, 'refused by the session layer');
      continue;
    }
    d.total += 1;
    const times = r.seen.get(n) ?? 0;
    if (times === 1) d.once += 1;
    else if (times > 1) d.twice += 1;
    else if (!r.config.delivery) {
      bump(
        d.lostSilently,
        push.state === 'nobody' ? 'published while no link was up' : 'written to a link that died',
      );
    } else if (push.session !== undefined && resyncedFrom.has(push.session)) {
      bump(d.lostReported, lostSessions.has(push.session) ? 'history lost: resync' : 'resync');
    } else if (push.session === r.finalSession) d.pending += 1;
    else
      bump(
        d.lostSilently,
        lostSessions.has(push.session ?? '')
          ? 'history lost, no resync'
          : 'session left without a resync',
      );
  }
  d.outOfOrder = r.pushesOutOfOrder;
}

/**
 * A request still pending on a link that opened after it and stayed open this long, without being
 * (re)sent on it, was left behind: resends go first on a new link, a replayed reply comes with the
 * welcome, and without delivery the drop settles it or sends it again.
 */
export const STUCK_MS = 500;

/** The links a pending request sat through without being sent on them. */
function leftBehind(r: PhaseResult, id: number, from: number, to: number): number {
  const handed = r.recorder.handed.get(id) ?? [];
  let links = 0;
  for (const s of r.recorder.sockets) {
    if (s.openedAt === null || s.openedAt <= from || handed.includes(s)) continue;
    const until = Math.min(s.closeCalledAt ?? s.closedAt ?? r.endedAt, to);
    if (until - s.openedAt >= STUCK_MS) links += 1;
  }
  return links;
}

function requestFigures(r: PhaseResult, f: Figures): void {
  const q = f.requests;
  for (const [id, m] of r.book.messages) {
    if (m.kind !== 'request') continue;
    q.started += 1;
    const { fate } = m;
    if (fate.kind === 'reply') q.replied += 1;
    else if (fate.kind === 'error reply') bump(q.errorReplies, fate.code);
    else if (fate.kind === 'fault') bump(q.rejected, causeOf(fate.code, fate.why));
    else if (fate.kind === 'other') q.other += 1;
    else if (fate.kind === 'pending') q.pending += 1;
    if (leftBehind(r, id, m.at, m.settledAt ?? r.endedAt) > 0) q.stuck += 1;
    if (r.config.delivery) continue;
    // The drop rejects or re-queues a request in the step that gives the link up.
    const last = r.recorder.handed.get(id)?.at(-1);
    const gone = last?.closeCalledAt ?? last?.closedAt ?? null;
    if (gone !== null && (m.settledAt ?? r.endedAt) > gone + 100) q.leftOnDeadLink += 1;
  }
  q.mismatched = r.book.mismatched;
}

function retryFigures(r: PhaseResult, policy: Policy): RetryFigures {
  const samples = r.obs.retries;
  const made = samples.filter((s) => s.madeAt !== null);
  let late = 0;
  let announced = 0;
  for (const s of made) {
    // Later than the test's own timer for the same moment: the lag of the event loop is not it.
    late += Math.max(0, (s.madeAt ?? 0) - Math.max(s.due, s.controlAt ?? s.due));
    announced += Math.max(1, s.announcedMs);
  }
  const outOfPolicy: string[] = [];
  for (const s of samples) {
    const { low, high } = boundsOf(policy, s.attempt, s.hintMs);
    // The delay as the library recorded it (due time against the fault it made while planning):
    // a listener whose clock runs late on a busy machine cannot move it. Only a drop merged with
    // an earlier error envelope falls back to the listener's reading, with 20 ms of slack below.
    // Above, the lesser of the two: a fault an extension made (delivery's ack or hello timeout)
    // is older than the step that planned its retry by however long a busy machine took between
    // them, which the recorded figure adds; the listener's reading is never above the delay.
    const recorded = !Number.isNaN(s.sinceFaultMs);
    const ms = recorded ? s.sinceFaultMs : s.announcedMs;
    const upper = recorded ? Math.min(s.sinceFaultMs, s.announcedMs) : s.announcedMs;
    if (ms < low - (recorded ? 2 : 20) || upper > high + 2) {
      outOfPolicy.push(`attempt ${s.attempt}: ${ms} ms not in [${low}, ${high}]`);
    }
  }
  const later = samples.filter((s) => s.attempt >= 3 && s.hintMs === 0);
  return {
    planned: samples.length,
    made: made.length,
    early: made.filter((s) => (s.madeAt ?? 0) < s.due - 2).length,
    lateRatio: announced > 0 ? late / announced : 0,
    outOfPolicy,
    grown: {
      samples: later.length,
      above: later.filter((s) => s.announcedMs > policy.baseMs).length,
    },
    minMs: samples.reduce((m, s) => Math.min(m, s.announcedMs), Number.POSITIVE_INFINITY),
    maxMs: samples.reduce((m, s) => Math.max(m, s.announcedMs), 0),
  };
}

function frozenFigures(r: PhaseResult, boundMs: number): FrozenFigures {
  const f: FrozenFigures = { frozen: 0, matched: 0, maxLeaveMs: 0, leftOnRst: 0, overBound: 0 };
  for (const link of r.proxy.frozen) {
    const at = link.frozenAt ?? 0;
    f.frozen += 1;
    // Ports are reused over a run: the newest WebSocket on that port made before the freeze.
    const socket = r.recorder.sockets
      .filter((s) => s.localPort === link.clientPort && s.createdAt <= at)
      .at(-1);
    if (!socket) continue;
    f.matched += 1;
    const left = socket.closeCalledAt ?? socket.closedAt ?? r.endedAt;
    if (socket.closeCalledAt === null || socket.closeCalledAt > (link.reapedAt ?? r.endedAt))
      f.leftOnRst += 1;
    const leave = Math.max(0, left - at);
    f.maxLeaveMs = Math.max(f.maxLeaveMs, leave);
    if (leave > boundMs) f.overBound += 1;
  }
  return f;
}

function uptimeOf(r: PhaseResult): number {
  const start = r.startedAt;
  const end = start + r.seconds * 1000;
  const spans = r.recorder.sockets
    .filter((s) => s.openedAt !== null)
    .map((s) => [s.openedAt ?? 0, s.closeCalledAt ?? s.closedAt ?? end] as const)
    .sort((a, b) => a[0] - b[0]);
  let up = 0;
  let from = start;
  for (const [open, close] of spans) {
    const a = Math.max(open, from);
    const b = Math.min(close, end);
    if (b > a) up += b - a;
    from = Math.max(from, b);
  }
  return up / (end - start);
}

function ackLatencyOf(r: PhaseResult) {
  const lags: number[] = [];
  for (const [id, m] of r.book.messages) {
    const done = r.backend.books.completedAt.get(id);
    if (m.fate.kind === 'acknowledged' && done !== undefined && m.settledAt !== null)
      lags.push(m.settledAt - done);
  }
  lags.sort((a, b) => a - b);
  const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
  return { samples: lags.length, median: at(0.5), p90: at(0.9) };
}

/** Reconciles a phase's books. */
export function reconcile(r: PhaseResult, policy: Policy, frozenBoundMs: number): Figures {
  const f: Figures = {
    c2s: direction(),
    s2c: direction(),
    requests: {
      started: 0,
      replied: 0,
      errorReplies: new Map(),
      rejected: new Map(),
      other: 0,
      pending: 0,
      mismatched: 0,
      leftOnDeadLink: 0,
      stuck: 0,
    },
    processedButUnsent: 0,
    retries: retryFigures(r, policy),
    frozen: frozenFigures(r, frozenBoundMs),
    uptime: uptimeOf(r),
    ackLatency: ackLatencyOf(r),
  };
  clientToServer(r, f);
  serverToClient(r, f);
  requestFigures(r, f);
  return f;
}
