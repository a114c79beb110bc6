/**
 * What the soak claims about a phase, each a check that a planted bug can fail (the mutation run,
 * `npm run test:chaos:mutants`, proves that each one does). Delivery on: nothing lost silently,
 * nothing doubled, order kept both ways, every receipt and request settled, losses reported only
 * where the contract says (a fatal fault, a history that is gone). Delivery off: the at-most-once
 * loss is the baseline figure, not a failure, but everything else still holds.
 */
import { type Figures, STUCK_MS, sum } from './books.js';
import { ACK_TIMEOUT_MS, HEARTBEAT, type PhaseResult, POLICY } from './phase.js';

/** A client that gives a frozen link up later than this did not find it with its heartbeat. */
export const FROZEN_BOUND_MS = HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs + 400;

/** The median time from the server's processing to the receipt: acks come within 10 ms. */
const ACK_PROMPT_MS = 150;

/** One claim about a phase: whether it held, and the figures that say so. */
export interface Claim {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Losses with a report that the contract allows with delivery on. */
const ALLOWED_REPORTED = new Set(['fatal fault', '4003', '4004', 'resync', 'history lost: resync']);

/** How much a phase must have exercised (faults, requests) for its claims to mean something. */
export interface Minimums {
  readonly faults: number;
  readonly requests: number;
}

/** Every claim about a phase. */
export function claimsOf(
  r: PhaseResult,
  f: Figures,
  processErrors: readonly unknown[],
  min: Minimums,
): Claim[] {
  const claims: Claim[] = [];
  const claim = (name: string, ok: boolean, detail: string) => claims.push({ name, ok, detail });
  const faults = sum(r.injected);
  const on = r.config.delivery;
  const { c2s, s2c, requests: q, retries, frozen } = f;
  const { obs } = r;
  const books = r.backend.books;

  claim(
    'no uncaught error',
    processErrors.length === 0,
    `${processErrors.length}: ${processErrors.slice(0, 3).map(String).join('; ')}`,
  );
  claim('enough faults', faults >= min.faults, `${faults} injected, at least ${min.faults}`);
  claim(
    'enough requests',
    q.started >= min.requests,
    `${q.started} made, at least ${min.requests}`,
  );
  claim('no hang', r.drained && r.loadEnded, `drained ${r.drained}, load ended ${r.loadEnded}`);
  claim(
    'every request settled (timeouts longer than the run)',
    q.pending === 0 && r.unsettledAtEnd === 0,
    `${q.pending} requests pending, ${r.unsettledAtEnd} unsettled at the end of the drain`,
  );
  claim(
    'no request left behind by a new link',
    q.stuck === 0,
    `${q.stuck} pending through a link open ${STUCK_MS} ms that they were not sent on`,
  );
  claim(
    'replies match, rejections are faults',
    q.mismatched === 0 && q.other === 0,
    `${q.mismatched} mismatched, ${q.other} not a FaultError`,
  );
  claim(
    'server side: no layer error',
    books.errors.length === 0,
    books.errors.slice(0, 3).join('; '),
  );
  claim('client to server: none processed twice', c2s.twice === 0, `${c2s.twice}`);
  claim('client to server: order kept', c2s.outOfOrder === 0, `${c2s.outOfOrder} out of order`);
  claim(
    'client to server: none processed that the client called unsent',
    f.processedButUnsent === 0,
    `${f.processedButUnsent}`,
  );
  claim('server to client: none handled twice', s2c.twice === 0, `${s2c.twice}`);
  claim('server to client: order kept', s2c.outOfOrder === 0, `${s2c.outOfOrder} out of order`);
  claim(
    'retries within the policy',
    retries.outOfPolicy.length === 0,
    retries.outOfPolicy.slice(0, 3).join('; '),
  );
  claim('no retry earlier than announced', retries.early === 0, `${retries.early} early`);
  claim(
    'retries come when announced',
    retries.made >= 20 && retries.lateRatio <= 0.5,
    `${retries.made} retries, lateness ${(retries.lateRatio * 100).toFixed(0)}% of the announced delays (at most 50%)`,
  );
  claim(
    'backoff grows',
    // At least 6: a short phase on a busy machine gets few third attempts. With full jitter a
    // correct backoff fails this one run in about 2,500 (at most 1 of 6 over the base); a
    // backoff that never grows has none over it.
    retries.grown.samples >= 6 && retries.grown.above >= retries.grown.samples / 3,
    `${retries.grown.above} of ${retries.grown.samples} retries at attempt 3+ waited over ${POLICY.baseMs} ms (full jitter: about 85%; at least a third of at least 6)`,
  );
  claim('fatal faults happened', obs.fatal.count > 0, `${obs.fatal.count}`);
  claim(
    'no attempt while failed (seen at the WebSocket constructor)',
    obs.fatal.attemptsWhileFailed === 0 && obs.fatal.leftByItself === 0,
    `${obs.fatal.attemptsWhileFailed} attempts while failed, left failed by itself ${obs.fatal.leftByItself} times`,
  );
  claim(
    'frozen links found by the heartbeat',
    frozen.matched > 0 && frozen.overBound === 0 && frozen.leftOnRst === 0,
    `${frozen.matched} of ${frozen.frozen} frozen links tied to a WebSocket, longest ${frozen.maxLeaveMs} ms to give one up (bound ${FROZEN_BOUND_MS}), ${frozen.overBound} over it, ${frozen.leftOnRst} only on the late RST`,
  );
  claim('error store bounded', obs.store.overBound === 0, `${obs.store.overBound} times over`);
  claim(
    'no token or stack trace in a fault',
    obs.leaks.length === 0,
    obs.leaks.slice(0, 3).join('; '),
  );

  if (on) {
    // A restart that lost the history ends the session: the client does not send again into the
    // new one what it wrote in the old one (it may have been processed), and says so per send.
    const forgot = books.historyLosses > 0;
    const reported = [...c2s.lostReported.keys()].filter(
      (k) => !ALLOWED_REPORTED.has(k) && !(forgot && k === 'session_changed'),
    );
    claim(
      'delivery negotiated, never plain',
      !obs.delivery.wentPlain,
      `went plain ${obs.delivery.wentPlain}`,
    );
    claim(
      'client to server: none lost silently',
      sum(c2s.lostSilently) === 0,
      listed(c2s.lostSilently),
    );
    claim('client to server: every receipt settled', c2s.pending === 0, `${c2s.pending} pending`);
    claim(
      'client to server: losses only where the contract allows (fatal fault, resync, a session the server forgot)',
      reported.length === 0,
      reported.map((k) => `${k} ${c2s.lostReported.get(k)}`).join(', '),
    );
    claim(
      'server to client: none lost silently',
      sum(s2c.lostSilently) === 0,
      listed(s2c.lostSilently),
    );
    claim(
      'server to client: every push of the live session arrived',
      s2c.pending === 0 && r.unseenAtEnd === 0,
      `${s2c.pending} unseen`,
    );
    claim(
      'acknowledgements come promptly',
      f.ackLatency.samples > 0 && f.ackLatency.median <= ACK_PROMPT_MS,
      `median ${f.ackLatency.median} ms, 90% within ${f.ackLatency.p90} ms from processing to receipt (median at most ${ACK_PROMPT_MS}; acks are batched for 10 ms)`,
    );
    claim(
      'dead links found by the heartbeat, not the ack timeout',
      (obs.faults.get('transport:ack_timeout') ?? 0) === 0,
      `${obs.faults.get('transport:ack_timeout') ?? 0} ack timeouts (${ACK_TIMEOUT_MS} ms)`,
    );
    const unexpected = obs.delivery.resyncs.filter(
      (x) => x.from === null || !books.lostSessions.has(x.from),
    );
    claim(
      'a lost history is told (one resync per loss), nothing else resyncs',
      books.historyLosses > 0 &&
        obs.delivery.resyncs.length === books.historyLosses &&
        unexpected.length === 0,
      `${books.historyLosses} histories lost, ${obs.delivery.resyncs.length} resyncs, ${unexpected.length} unexpected (${unexpected.map((x) => x.reason).join(', ')})`,
    );
  } else {
    claim(
      'a request on a dropped link is rejected or sent again with the drop',
      q.leftOnDeadLink === 0,
      `${q.leftOnDeadLink} left pending after their link was given up`,
    );
    claim(
      'client to server: a queued send given up is reported',
      !c2s.lostSilently.has('queued, never written'),
      `${c2s.lostSilently.get('queued, never written') ?? 0} never written, unreported`,
    );
  }
  return claims;
}

/** A map of counts as text: the total, then each key by count. */
export const listed = (map: Map<string, number>): string =>
  map.size === 0
    ? '0'
    : `${sum(map)} (${[...map]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`;
