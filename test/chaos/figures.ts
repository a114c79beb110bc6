/**
 * The soak's books, reconciled: each numbered send is matched against what `send` returned, the
 * WebSocket it was handed to (and how that one closed) and what the backend received. The figures
 * line is printed by the test and again, last, by `figures-reporter.ts`.
 */
import type { Backend } from './backend.js';
import type { RequestBook, SendBook } from './load.js';
import type { Observations } from './observer.js';
import type { Recorder } from './recording-websocket.js';

declare module 'vitest' {
  interface TaskMeta {
    /** One line of figures a chaos test reports; the reporter prints it after the summary. */
    chaosFigures?: string;
  }
}

export interface SendFigures {
  total: number;
  delivered: number;
  rejected: number;
  /** Never handed to a WebSocket (queued, then given up on). */
  notSent: number;
  /** `notSent` minus the `connection_closed` faults reported for queued sends: must be 0. */
  notSentUnreported: number;
  /** Handed to a WebSocket that a fault then killed (1006, 4003, ...): lost in flight, at most once. */
  lostInFlight: number;
  /** `lostInFlight` by the close code of the WebSocket they were handed to. */
  lostByCloseCode: Map<string, number>;
  /** Handed to a WebSocket that closed cleanly (1000) and never arrived: must be 0. */
  lostSilently: number;
  duplicates: number;
  handedTwice: number;
  rejectedButSent: number;
  /** The client handed a seq to a WebSocket after a later one: must be 0. */
  sentOutOfOrder: number;
  /** A seq arrived on one server connection after a later one on the same connection: must be 0. */
  outOfOrder: number;
  /**
   * A seq arrived after a later one that came over a newer connection: TCP orders nothing across
   * two connections (frames delayed on a link the client had left), so this is only reported.
   */
  acrossConnections: number;
}

export interface Figures {
  readonly line: string;
  readonly sends: SendFigures;
}

interface Inputs {
  seconds: number;
  seed: number;
  injected: Map<string, number>;
  requests: RequestBook;
  sends: SendBook;
  obs: Observations;
  recorder: Recorder;
  backend: Backend;
}

function reconcile({ sends, recorder, backend, obs }: Inputs): SendFigures {
  const f: SendFigures = {
    total: sends.results.size,
    delivered: 0,
    rejected: 0,
    notSent: 0,
    notSentUnreported: 0,
    lostInFlight: 0,
    lostByCloseCode: new Map(),
    lostSilently: 0,
    duplicates: 0,
    handedTwice: 0,
    rejectedButSent: 0,
    sentOutOfOrder: 0,
    outOfOrder: 0,
    acrossConnections: 0,
  };
  for (const [seq, status] of sends.results) {
    const handed = recorder.handed.get(seq) ?? [];
    const arrived = backend.arrivals.get(seq) ?? 0;
    if (status === 'rejected') {
      if (handed.length > 0 || arrived > 0) f.rejectedButSent += 1;
      else f.rejected += 1;
      continue;
    }
    if (handed.length > 1) f.handedTwice += 1;
    if (arrived > 1) f.duplicates += 1;
    if (arrived > 0) f.delivered += 1;
    else if (handed.length === 0) f.notSent += 1;
    else {
      const code = handed[0]?.closeCode ?? null;
      if (code === null || code === 1000 || code === 1005) f.lostSilently += 1;
      else {
        f.lostInFlight += 1;
        f.lostByCloseCode.set(String(code), (f.lostByCloseCode.get(String(code)) ?? 0) + 1);
      }
    }
  }
  f.notSentUnreported = f.notSent - obs.queuedSendsDropped;
  for (let i = 1; i < recorder.sendOrder.length; i++) {
    if ((recorder.sendOrder[i] ?? 0) < (recorder.sendOrder[i - 1] ?? 0)) f.sentOutOfOrder += 1;
  }
  const lastByConnection = new Map<number, number>();
  let lastOverall = 0;
  for (const [connection, seq] of backend.order) {
    if (seq < (lastByConnection.get(connection) ?? 0)) f.outOfOrder += 1;
    else if (seq < lastOverall) f.acrossConnections += 1;
    lastByConnection.set(connection, seq);
    lastOverall = Math.max(lastOverall, seq);
  }
  return f;
}

const list = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);

export function recordFigures(inputs: Inputs): Figures {
  const { seconds, seed, injected, requests, obs, recorder, backend } = inputs;
  const sends = reconcile(inputs);
  const rejected = sum(requests.rejected);
  const settledCount =
    requests.replied + requests.mismatched + rejected + requests.otherErrors.length;
  const r = obs.retries;
  const line = [
    `CHAOS SOAK seed=${seed} ${seconds.toFixed(1)} s`,
    `faults injected ${sum(injected)} (${list(injected)}; plus ${backend.stats.errorReplies} error replies, ${backend.stats.unanswered} unanswered requests)`,
    `requests ${requests.started}, settled ${settledCount} (replied ${requests.replied}, rejected with FaultError ${rejected}: ${list(requests.rejected)}), other errors ${requests.otherErrors.length}, mismatched ${requests.mismatched}`,
    `sends ${sends.total}: delivered ${sends.delivered}, not sent ${sends.notSent} / reported failed ${obs.queuedSendsDropped}, rejected ${sends.rejected}, lost in flight on killed links ${sends.lostInFlight} (by close code: ${list(sends.lostByCloseCode)}), lost ${sends.lostSilently + Math.max(0, sends.notSentUnreported)}, duplicates ${sends.duplicates + sends.handedTwice}, out of order ${sends.sentOutOfOrder} sent / ${sends.outOfOrder} on a connection (${sends.acrossConnections} across connections)`,
    `connection attempts ${recorder.sockets.length}, retries planned ${r.planned} (${Number.isFinite(r.minMs) ? r.minMs.toFixed(0) : 0}-${r.maxMs.toFixed(0)} ms), out of policy ${r.outOfPolicy.length}, early ${r.early}`,
    `fatal ${obs.fatal.count}, attempts while failed ${obs.fatal.attemptsWhileFailed}, reconnect() ${obs.fatal.reconnects}`,
    `fault reports ${obs.reports}, leaks ${obs.leaks.length}, store max ${obs.store.maxHistory}/${obs.store.maxToasts} (bound 50)`,
  ].join(' | ');
  return { line, sends };
}

export const formatFigures = (figures: Figures): string => figures.line;
