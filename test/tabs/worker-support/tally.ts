/**
 * The count the issue asks for, per page: of the numbered sends (`seq` `{ from, n }`) a page's
 * `send()` accepted, how many arrived at the server once, twice, out of order, failed with a fault
 * (told to the app: "may have arrived"), and how many were lost: accepted, and neither arrived nor
 * failed. Requests likewise: replied with their own answer, failed with a fault, never settled.
 *
 * With delivery, a repeat is told apart by what the page and the server recorded, never by time:
 * across a worker death (the send arrived first on a connection that then closed, and again on a
 * later one) of a send whose receipt had not said `acknowledged` under the worker the page first
 * handed it to (the page's port count when it settled is still the one of the send): the
 * at-least-once window of src/worker/tab.ts. Any other repeat is a duplicate.
 */
import type { TabServer } from '../tab-server.js';
import type { PageState } from './probe.js';

/** One page's figures. */
export interface Tally {
  readonly label: string;
  /** Sends `send()` returned `queued` for. */
  readonly accepted: number;
  /** Sends `send()` rejected at once (told there and then, never handed over). */
  readonly rejected: number;
  /** Distinct sends that reached the server. */
  readonly arrived: number;
  /** Arrivals of a send already arrived. */
  readonly twice: number;
  /** Of {@link twice}: repeats across a worker death inside the at-least-once window (above). */
  readonly repeatsAcrossDeaths: number;
  /** First arrivals of a lower n than one before it. */
  readonly outOfOrder: number;
  /** With delivery: the receipts, by how they settled (`pending`: not yet, at the last read). */
  readonly receipts: {
    readonly acknowledged: number;
    readonly unconfirmed: number;
    readonly rejected: number;
    readonly pending: number;
  };
  /** Accepted sends that failed with a fault and did not arrive. */
  readonly failed: number;
  /** Accepted sends that failed with a fault and arrived anyway (the fault said they may have). */
  readonly failedArrived: number;
  /** Accepted, neither arrived nor failed. */
  readonly lost: number;
  /** Sends settled twice by the tab (its `settled` hook told twice). */
  readonly settledTwice: number;
  /** Sends that arrived though `send()` rejected them, or never recorded as made. */
  readonly unexpected: number;
  /** Requests made, replied (with the answer to that very request), failed, never settled. */
  readonly requests: number;
  readonly replied: number;
  readonly requestsFailed: number;
  readonly unsettled: number;
  /** Replies whose answer was another request's, and answers a page's handlers got twice. */
  readonly wrongReply: number;
  readonly answersTwice: number;
}

/** The numbered sends the server got from `label`, in arrival order, with their connection. */
export const arrivalsOn = (server: TabServer, label: string) =>
  server.frames
    .filter((f) => f.type === 'seq' && (f.data as { from: string }).from === label)
    .map((f) => ({ n: (f.data as { n: number }).n, connection: f.connection, at: f.at }));

/** The numbered sends the server got from `label`, in arrival order. */
export const arrivals = (server: TabServer, label: string): number[] =>
  arrivalsOn(server, label).map((a) => a.n);

/**
 * The figures of a page from its last state and the server's log. `complete`: the state holds
 * every send the page made (read after it stopped); else sends made after the read are unknown,
 * and arrivals of those are not counted `unexpected`.
 */
export function tally(state: PageState, server: TabServer, complete = true): Tally {
  const got = arrivalsOn(server, state.label);
  const closed = new Set(server.connections.filter((c) => c.closedAt !== null).map((c) => c.id));
  const sent = new Map(state.sends.map((s) => [s.n, s]));
  /** The send's receipt said `acknowledged` under the worker it was first handed to. */
  const ackedByFirst = (n: number) =>
    state.settled[n]?.split('+')[0] === 'acknowledged' &&
    state.settledPort[n] === sent.get(n)?.port;
  const on = new Map<number, number[]>();
  let twice = 0;
  let repeatsAcrossDeaths = 0;
  let outOfOrder = 0;
  let last = -1;
  for (const { n, connection } of got) {
    const before = on.get(n);
    if (before) {
      twice += 1;
      const acrossDeath = before.every((c) => c < connection && closed.has(c));
      if (acrossDeath && sent.has(n) && !ackedByFirst(n)) repeatsAcrossDeaths += 1;
      before.push(connection);
      continue;
    }
    on.set(n, [connection]);
    if (n < last) outOfOrder += 1;
    last = Math.max(last, n);
  }
  const seen = new Set(on.keys());
  const made = new Map(state.sends.map((s) => [s.n, s.status]));
  const highest = state.sends.length - 1;
  let unexpected = 0;
  for (const n of seen)
    if (made.get(n) === 'rejected' || (!made.has(n) && (complete || n <= highest))) unexpected += 1;
  const accepted = state.sends.filter((s) => s.status === 'queued');
  // A receipt rejected is told as a failure (the `settled` hook says `failed` for it too).
  const failedOf = (n: number) =>
    (state.settled[n] ?? '').split('+').includes('failed') ||
    (state.receipts[n] ?? '').startsWith('rejected');
  let failed = 0;
  let failedArrived = 0;
  let lost = 0;
  for (const { n } of accepted) {
    if (failedOf(n)) {
      if (seen.has(n)) failedArrived += 1;
      else failed += 1;
    } else if (!seen.has(n)) lost += 1;
  }
  const names = Array.from({ length: state.asked }, (_, k) => `r${k}`);
  let replied = 0;
  let requestsFailed = 0;
  let unsettled = 0;
  let wrongReply = 0;
  for (const [k, name] of names.entries()) {
    const outcome = state.outcomes[name];
    if (outcome === undefined) unsettled += 1;
    else if (!outcome.ok) requestsFailed += 1;
    else {
      replied += 1;
      const echo = (outcome.data as { echo?: { from?: string; k?: number } } | null)?.echo;
      if (echo?.from !== state.label || echo.k !== k) wrongReply += 1;
    }
  }
  const answers = new Map<number, number>();
  for (const e of state.received)
    if (e.type === 'answer') {
      const k = (e.data as { echo?: { k?: number } } | null)?.echo?.k ?? -1;
      answers.set(k, (answers.get(k) ?? 0) + 1);
    }
  return {
    label: state.label,
    accepted: accepted.length,
    rejected: state.sends.length - accepted.length,
    arrived: seen.size,
    twice,
    repeatsAcrossDeaths,
    outOfOrder,
    receipts: {
      acknowledged: accepted.filter(({ n }) => state.receipts[n] === 'acknowledged').length,
      unconfirmed: accepted.filter(({ n }) => state.receipts[n] === 'unconfirmed').length,
      rejected: accepted.filter(({ n }) => state.receipts[n]?.startsWith('rejected')).length,
      pending: accepted.filter(({ n }) => !(n in state.receipts)).length,
    },
    failed,
    failedArrived,
    lost,
    settledTwice: [...Object.values(state.settled), ...Object.values(state.receipts)].filter((h) =>
      h.includes('+'),
    ).length,
    unexpected,
    requests: names.length,
    replied,
    requestsFailed,
    unsettled,
    wrongReply,
    answersTwice: [...answers.values()].filter((c) => c > 1).length,
  };
}

/** The figures that must be 0 on any page, whatever happened to it. */
export const never = (t: Tally) => ({
  label: t.label,
  twice: t.twice,
  outOfOrder: t.outOfOrder,
  lost: t.lost,
  settledTwice: t.settledTwice,
  unexpected: t.unexpected,
  wrongReply: t.wrongReply,
  answersTwice: t.answersTwice,
});

/** What {@link never} must read for the page `label`: every figure 0. */
export const none = (label: string) => ({
  label,
  twice: 0,
  outOfOrder: 0,
  lost: 0,
  settledTwice: 0,
  unexpected: 0,
  wrongReply: 0,
  answersTwice: 0,
});

/**
 * {@link never} with delivery: `twice` counts the repeats outside the at-least-once window of a
 * worker death (those inside are {@link Tally.repeatsAcrossDeaths}).
 */
export const neverWithDelivery = (t: Tally) => ({
  ...never(t),
  twice: t.twice - t.repeatsAcrossDeaths,
});
