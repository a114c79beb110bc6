/**
 * The books of a run, reconciled per direction and per phase, and the recovery of the clients
 * each fault stranded. The instance processes wrote what they processed, numbered and welcomed
 * (book files); the clients kept what their app was told (receipts, faults, pushes seen, the
 * welcomes that arrived). Every message lands in exactly one fate:
 *
 * - client -> server: processed once; processed twice (apart: inside the Redis data-loss window,
 *   and a frame the SIGKILLed instance processed whose duplicate window the store had not
 *   confirmed when it died, the two cases docs/server.md allows); lost with a report (not processed, its receipt rejected
 *   with a fault); lost silently (not processed, yet acknowledged or unconfirmed); no fate (its
 *   receipt never settled).
 * - server -> client (numbered pushes): seen once; seen twice (apart: data-loss window); lost with
 *   a report (never seen, and a resync welcome covers its seq); lost silently. Pushes whose send
 *   resolved undefined were never promised (the sender was told) and are counted apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FleetClient } from './fleet.js';
import { type BookRecord, userName } from './shared.js';

/** One handing of a client frame to the app handler. */
export interface Processing {
  readonly t: number;
  /** The book file (one per incarnation) that wrote it. */
  readonly book: string;
  readonly s: string | undefined;
  readonly q: number | undefined;
}

/** What the instance processes wrote, all incarnations together. */
export interface InstanceBooks {
  /** `c:n` -> each time it was handed to the app handler, in order. */
  readonly processed: Map<string, Processing[]>;
  /** Book file -> session -> the highest `acked` the store confirmed to that incarnation. */
  readonly acked: Map<string, Map<string, number>>;
  /**
   * Processed over a connection authenticated as someone else than the sender, or in a session
   * bound to someone else.
   */
  wrongPrincipal: number;
  readonly numbered: Map<string, { s: string; q: number; t: number }>;
  readonly unnumbered: Map<string, { s: string; t: number }>;
  readonly welcomes: Array<Extract<BookRecord, { e: 'welcome' }>>;
  readonly errors: Map<string, number>;
  readonly drains: Array<{ complete: boolean }>;
  unauthorized: number;
}

const bump = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);

export function readBooks(dir: string): InstanceBooks {
  const books: InstanceBooks = {
    processed: new Map(),
    acked: new Map(),
    wrongPrincipal: 0,
    numbered: new Map(),
    unnumbered: new Map(),
    welcomes: [],
    errors: new Map(),
    drains: [],
    unauthorized: 0,
  };
  for (const file of readdirSync(dir).filter((name) => name.startsWith('book-'))) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as BookRecord;
      switch (record.e) {
        case 'processed': {
          const key = `${record.c}:${record.n}`;
          const times = books.processed.get(key) ?? [];
          times.push({ t: record.t, book: file, s: record.s, q: record.q });
          books.processed.set(key, times);
          const sender = userName(record.c);
          if (record.u !== sender || record.sp !== sender) books.wrongPrincipal++;
          break;
        }
        case 'acked': {
          const sessions = books.acked.get(file) ?? new Map<string, number>();
          sessions.set(record.s, Math.max(sessions.get(record.s) ?? 0, record.q));
          books.acked.set(file, sessions);
          break;
        }
        case 'numbered':
          books.numbered.set(record.id, { s: record.s, q: record.q, t: record.t });
          break;
        case 'unnumbered':
          books.unnumbered.set(record.id, { s: record.s, t: record.t });
          break;
        case 'welcome':
          books.welcomes.push(record);
          break;
        case 'error':
          bump(books.errors, record.what);
          break;
        case 'stopped':
          books.drains.push({ complete: record.complete });
          break;
        case 'unauthorized':
          books.unauthorized++;
          break;
      }
    }
  }
  for (const times of books.processed.values()) times.sort((a, b) => a.t - b.t);
  books.welcomes.sort((a, b) => a.t - b.t);
  return books;
}

/** One direction's fates in one phase. */
export interface Direction {
  /** Client -> server: sent. Server -> client: pushes asked of an instance. */
  sent: number;
  once: number;
  twice: number;
  /** Twice, the second time inside the Redis data-loss window. */
  twiceDataLoss: number;
  /**
   * Client -> server: twice, the first time on an instance SIGKILLed at most {@link KILL_WINDOW_MS}
   * later, in a session whose `acked` that instance's store had not confirmed up to the frame:
   * the layer writes the duplicate window after the handler, and the kill fell between the two.
   */
  twiceKill: number;
  /** Every duplicate (both kinds), by the client's last welcome before it (the likely cause). */
  readonly twiceAfter: Map<string, number>;
  readonly lostReported: Map<string, number>;
  readonly lostSilently: Map<string, number>;
  /** Client -> server: receipts never settled. */
  noFate: number;
  /** Server -> client: numbered (promised) pushes. */
  numbered: number;
  /** Server -> client: sends that resolved undefined (the sender was told, nothing promised). */
  unnumbered: number;
  /** Server -> client: unnumbered, yet seen (a timed-out append that ran after all). */
  unnumberedSeen: number;
  /** Server -> client: no answer written (its instance died with the send in flight). */
  noAnswer: number;
  /** Server -> client: numbered, not seen, its client still disconnected at the end (kept for it). */
  undelivered: number;
  /** Client -> server: processed, yet the receipt was rejected ("it may have arrived"). */
  processedRejected: number;
  /** Client -> server: processed out of order (first processings, per client). */
  outOfOrder: number;
  /** `resync` faults the clients reported in this phase (counted on the client -> server row). */
  resyncs: number;
  /** Of those, outside the Redis data-loss window (nothing was lost: a false alarm to the app). */
  resyncsOutside: number;
}

const direction = (): Direction => ({
  sent: 0,
  once: 0,
  twice: 0,
  twiceDataLoss: 0,
  twiceKill: 0,
  twiceAfter: new Map(),
  lostReported: new Map(),
  lostSilently: new Map(),
  noFate: 0,
  numbered: 0,
  unnumbered: 0,
  unnumberedSeen: 0,
  noAnswer: 0,
  undelivered: 0,
  processedRejected: 0,
  outOfOrder: 0,
  resyncs: 0,
  resyncsOutside: 0,
});

export const total = (map: ReadonlyMap<string, number>) =>
  [...map.values()].reduce((a, b) => a + b, 0);

/** The window in which a duplicate is the documented cost of a Redis that lost its data. */
export interface DataLossWindow {
  readonly from: number;
  readonly to: number;
}

/**
 * Per phase (index), both directions. A message counts in the phase it was sent in; a duplicate
 * counts in the phase it happened in (a push of the warm-up replayed during a later fault is that
 * fault's duplicate), with the outcome of the client's last welcome before it.
 */
/**
 * How long before its SIGKILL a frame an instance processed may still lack its confirmed `acked`:
 * the store's write is one Redis round trip after the handler (milliseconds, tens with the CPU
 * hog); a frame processed earlier whose window was never confirmed is a real duplicate.
 */
export const KILL_WINDOW_MS = 1000;

/** An instance incarnation SIGKILLed at `at` ({@link now}), by its book file. */
export interface Kill {
  readonly book: string;
  readonly at: number;
}

export function reconcile(
  books: InstanceBooks,
  clients: readonly FleetClient[],
  /** Every push the load asked an instance to send, by id, with the phase it was asked in. */
  pushes: ReadonlyMap<string, number>,
  /** When each phase started ({@link now}). */
  phaseStarts: readonly number[],
  window: DataLossWindow | undefined,
  /** Clients not connected at the end: what was numbered for them may still reach them. */
  away: ReadonlySet<number>,
  /** The incarnations SIGKILLed during the run. */
  kills: readonly Kill[] = [],
): { toServer: Direction[]; toClient: Direction[] } {
  const toServer = phaseStarts.map(direction);
  const toClient = phaseStarts.map(direction);
  const inWindow = (t: number | undefined) =>
    t !== undefined && window !== undefined && t >= window.from && t <= window.to;
  // Processed, then killed before the store confirmed the frame's duplicate window.
  const killedBeforeAcked = (first: Processing) =>
    first.q !== undefined &&
    first.s !== undefined &&
    (books.acked.get(first.book)?.get(first.s) ?? 0) < first.q &&
    // Every line of a killed incarnation's book was written before it died (the kill's `at` is
    // taken just before the signal): only how long before it counts.
    kills.some((k) => k.book === first.book && k.at - first.t <= KILL_WINDOW_MS);
  const phaseAt = (t: number) => {
    let p = 0;
    while (p + 1 < phaseStarts.length && (phaseStarts[p + 1] as number) <= t) p++;
    return p;
  };
  const duplicate = (rows: Direction[], client: FleetClient, t: number) => {
    const d = rows[phaseAt(t)] as Direction;
    if (inWindow(t)) d.twiceDataLoss++;
    else d.twice++;
    // The outcomes of the client's last two welcomes before it: a duplicate right after a resume
    // that followed an `unavailable` is that `unavailable`'s.
    const cause = client.welcomes
      .filter((w) => w.at <= t)
      .slice(-2)
      .map((w) => (w.resumed ? 'resumed' : (w.reason ?? 'new session')))
      .join(' > ');
    bump(d.twiceAfter, `after ${cause || 'no welcome'}`);
  };

  for (const client of clients) {
    // Client -> server.
    let highest = 0;
    const firsts: Array<{ n: number; t: number }> = [];
    for (const [n, send] of client.sends) {
      const d = toServer[send.p] as Direction;
      d.sent++;
      const times = books.processed.get(`${client.index}:${n}`) ?? [];
      const [first, second] = times;
      if (first !== undefined) firsts.push({ n, t: first.t });
      if (times.length === 1) d.once++;
      else if (first !== undefined && second !== undefined) {
        if (killedBeforeAcked(first)) (toServer[phaseAt(second.t)] as Direction).twiceKill++;
        else duplicate(toServer, client, second.t);
      }
      if (times.length > 0) {
        if (send.fate === 'rejected') d.processedRejected++;
        continue;
      }
      if (send.fate === 'rejected') bump(d.lostReported, send.code ?? 'rejected');
      else if (send.fate === 'pending') d.noFate++;
      else bump(d.lostSilently, `${send.fate}, never processed`);
    }
    firsts.sort((a, b) => a.t - b.t);
    for (const { n } of firsts) {
      const d = toServer[client.sends.get(n)?.p ?? 0] as Direction;
      if (n < highest) d.outOfOrder++;
      highest = Math.max(highest, n);
    }
  }

  for (const client of clients) {
    for (const at of client.resyncs) {
      const d = toServer[phaseAt(at)] as Direction;
      d.resyncs++;
      if (!inWindow(at)) d.resyncsOutside++;
    }
  }

  const byIndex = new Map(clients.map((client) => [client.index, client]));
  for (const client of clients) {
    for (const seen of client.seen.values()) {
      if (seen.againAt !== undefined) duplicate(toClient, client, seen.againAt);
    }
  }
  for (const [id, p] of pushes) {
    const d = toClient[p] as Direction;
    d.sent++;
    const client = byIndex.get(Number(id.split('.')[0])) as FleetClient;
    const seen = client.seen.get(id);
    const numbered = books.numbered.get(id);
    if (numbered === undefined) {
      if (books.unnumbered.has(id)) d.unnumbered++;
      else d.noAnswer++;
      if (seen !== undefined) d.unnumberedSeen++;
      continue;
    }
    d.numbered++;
    if (seen?.count === 1) d.once++;
    if (seen !== undefined) continue;
    // Never seen: reported if a resync welcome this client got covers its seq.
    const covered = client.welcomes.some(
      (w) =>
        !w.resumed &&
        w.asked === numbered.s &&
        numbered.q > w.last &&
        (w.session !== numbered.s || numbered.q <= w.seq),
    );
    if (covered) bump(d.lostReported, 'resync');
    else if (away.has(client.index)) d.undelivered++;
    else bump(d.lostSilently, 'numbered, never seen, no resync covers it');
  }
  return { toServer, toClient };
}

/** A fault that stranded clients, and when it was over. */
export interface Disruption {
  readonly name: string;
  readonly kind: 'instance' | 'stall' | 'empty';
  readonly startAt: number;
  /** When the cause was over (the instance gone, Redis thawed or back up). */
  readonly overAt: number;
  /**
   * Recovery is measured from here: the stop or kill (an instance's clients are cut off from the
   * start), or the cause being over (nothing can recover while Redis is frozen or down).
   */
  readonly measureFrom: number;
  /** The clients it cut off. */
  readonly affected: ReadonlySet<number>;
}

export interface Recovery {
  readonly name: string;
  readonly affected: number;
  readonly recovered: number;
  /** Affected clients with no good welcome: named, for the failure message. */
  readonly stranded: number[];
  /** What the stranded clients were last welcomed with since the disruption began. */
  readonly strandedOn: Record<string, number>;
  /** From `measureFrom` to the good welcome, as the instance wrote it (its book) and as it arrived. */
  readonly serverMs: { readonly p50: number; readonly max: number };
  readonly clientMs: { readonly p50: number; readonly max: number };
  /** The good welcomes by outcome (`resumed`, or the reason). */
  readonly outcomes: Record<string, number>;
}

const quantile = (values: readonly number[], q: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
};

/** How long until the clients a disruption cut off were welcomed again, from both books. */
export function recovery(
  event: Disruption,
  books: InstanceBooks,
  clients: readonly FleetClient[],
  graceMs: number,
): Recovery {
  const serverTimes: number[] = [];
  const clientTimes: number[] = [];
  const stranded: number[] = [];
  const outcomes = new Map<string, number>();
  const strandedOn = new Map<string, number>();
  for (const client of clients) {
    if (!event.affected.has(client.index)) continue;
    // Its sessions up to the disruption: the server's welcomes for them are its own.
    const before = new Set(
      client.welcomes.filter((w) => w.at <= event.startAt).map((w) => w.session),
    );
    let good: (w: {
      t: number;
      asked: string | null;
      s: string;
      resumed: boolean;
      reason?: string | undefined;
    }) => boolean;
    let clientGood: (w: (typeof client.welcomes)[number]) => boolean;
    if (event.kind === 'empty') {
      // Redis forgot every session: only a move to a new session (a resync) is a way out.
      good = (w) =>
        w.t >= event.startAt &&
        w.asked !== null &&
        before.has(w.asked) &&
        !w.resumed &&
        w.s !== w.asked;
      clientGood = (w) =>
        w.at >= event.startAt &&
        w.asked !== null &&
        before.has(w.asked) &&
        !w.resumed &&
        w.session !== w.asked;
    } else {
      // Back on a session after the last connection it lost to the disruption: resumed, or told
      // to resync. An `unavailable` welcome is neither: it means "try again later" (protocol.md),
      // and a client left on one is stranded.
      const losses = client.closes.filter(
        (c) => c.at >= event.startAt && c.at <= event.overAt + graceMs,
      );
      const from = Math.max(event.startAt, ...losses.map((c) => c.at));
      const mine = new Set(client.welcomes.map((w) => w.session));
      const settled = (w: { resumed: boolean; reason?: string | undefined }) =>
        w.resumed || w.reason !== 'unavailable';
      good = (w) => w.t >= from && w.asked !== null && mine.has(w.asked) && settled(w);
      clientGood = (w) => w.at >= from && w.asked !== null && settled(w);
    }
    const server = books.welcomes.find(good);
    const arrived = client.welcomes.find(clientGood);
    if (server === undefined || arrived === undefined) {
      stranded.push(client.index);
      const last = client.welcomes.filter((w) => w.at >= event.startAt).at(-1);
      bump(
        strandedOn,
        last === undefined
          ? 'no welcome since'
          : last.resumed
            ? 'resumed'
            : `${last.reason ?? 'new session'}${last.session === last.asked ? ' (same session)' : ''}`,
      );
      continue;
    }
    serverTimes.push(server.t - event.measureFrom);
    clientTimes.push(arrived.at - event.measureFrom);
    bump(outcomes, server.resumed ? 'resumed' : (server.reason ?? 'new session'));
  }
  return {
    name: event.name,
    affected: event.affected.size,
    recovered: serverTimes.length,
    stranded,
    strandedOn: Object.fromEntries(strandedOn),
    serverMs: { p50: quantile(serverTimes, 0.5), max: quantile(serverTimes, 1) },
    clientMs: { p50: quantile(clientTimes, 0.5), max: quantile(clientTimes, 1) },
    outcomes: Object.fromEntries(outcomes),
  };
}
