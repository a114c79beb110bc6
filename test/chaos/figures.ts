/**
 * The figures of a soak phase as text: a headline, then one line per direction (delivered once,
 * twice, lost with a report, lost silently, pending, order), requests, retries and links, and the
 * claims that failed. Printed by the test and again, last, by `figures-reporter.ts`.
 */
import type { Direction, Figures } from './books.js';
import { sum } from './books.js';
import { type Claim, FROZEN_BOUND_MS, listed } from './claims.js';
import { type PhaseResult, POLICY } from './phase.js';
import './task-meta.js';

/** The marker the mutation run looks for: the soak ran to the end and these claims failed. */
export const FAILED_MARK = 'CHAOS CLAIMS FAILED';

const pct = (part: number, whole: number) =>
  whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(part === 0 || part === whole ? 0 : 1)}%`;

function directionLine(name: string, unit: string, d: Direction): string {
  const lost = sum(d.lostReported) + sum(d.lostSilently);
  const notes = d.notes.size > 0 ? `; ${[...d.notes].map(([k, n]) => `${k} ${n}`).join(', ')}` : '';
  return (
    `  ${name}: ${d.total} ${unit}: delivered once ${d.once}, delivered twice ${d.twice}, ` +
    `lost with a report ${listed(d.lostReported)}, lost silently ${listed(d.lostSilently)}, ` +
    `pending at the end ${d.pending}, out of order ${d.outOfOrder}; lost ${pct(lost, d.total)}${notes}`
  );
}

/** The figures of a phase as text (the headline first, failed claims last). */
export function formatFigures(r: PhaseResult, f: Figures, claims: readonly Claim[]): string {
  const mode = r.config.delivery ? 'delivery on' : 'delivery off (at most once: the baseline)';
  const books = r.backend.books;
  const { obs } = r;
  const q = f.requests;
  const t = f.retries;
  const injected = [...r.injected]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const failed = claims.filter((c) => !c.ok);
  const receipts = r.config.delivery
    ? (() => {
        let acked = 0;
        let rejected = 0;
        for (const m of r.book.messages.values()) {
          if (m.kind !== 'send') continue;
          if (m.fate.kind === 'acknowledged') acked += 1;
          else if (m.fate.kind === 'fault') rejected += 1;
        }
        const lag = f.ackLatency;
        return `; receipts acknowledged ${acked} (median ${lag.median} ms after processing, 90% within ${lag.p90} ms), rejected ${rejected}, max unacked ${obs.delivery.maxUnacked}`;
      })()
    : '';
  const lines = [
    `CHAOS SOAK ${mode} seed=${r.seed} ${r.seconds.toFixed(1)} s (drain ${(r.drainMs / 1000).toFixed(1)} s, teardown ${(r.teardownMs / 1000).toFixed(1)} s) | faults injected ${sum(r.injected)} (${injected}; plus ${books.stats.errorReplies} error replies)`,
    directionLine('client → server', 'messages (sends and requests, by id)', f.c2s) + receipts,
    directionLine('server → client', 'pushes (by n)', f.s2c),
    `  requests ${q.started}: replied ${q.replied}, error replies ${listed(q.errorReplies)}, rejected ${listed(q.rejected)}, pending ${q.pending}, left behind by a new link ${q.stuck}, mismatched ${q.mismatched}, not a FaultError ${q.other}${r.config.delivery ? '' : `, left pending on a dead link ${q.leftOnDeadLink}`}`,
    `  connection attempts ${r.recorder.sockets.length}, a link open ${(f.uptime * 100).toFixed(0)}% of the time; retries ${t.planned} (${Number.isFinite(t.minMs) ? t.minMs.toFixed(0) : 0}-${t.maxMs.toFixed(0)} ms), out of policy ${t.outOfPolicy.length}, early ${t.early}, lateness ${(t.lateRatio * 100).toFixed(1)}% of the announced delays, attempt 3+ over ${POLICY.baseMs} ms ${t.grown.above}/${t.grown.samples}; fatal ${obs.fatal.count}, attempts while failed ${obs.fatal.attemptsWhileFailed}, reconnect() ${obs.fatal.reconnects}`,
    `  frozen links ${f.frozen.frozen} (tied ${f.frozen.matched}): given up within ${f.frozen.maxLeaveMs} ms at most (bound ${FROZEN_BOUND_MS}), on the late RST ${f.frozen.leftOnRst}; ack timeouts ${obs.faults.get('transport:ack_timeout') ?? 0}; restarts ${books.restarts} (history lost ${books.historyLosses}), resyncs ${obs.delivery.resyncs.length}, resumed ${obs.delivery.resumed}; crashed mid-request ${books.interrupted}, answers refused while closing ${books.refusedWhileClosing}; fault reports ${obs.reports}, leaks ${obs.leaks.length}, store max ${obs.store.maxHistory}/${obs.store.maxToasts}`,
  ];
  if (failed.length > 0) {
    lines.push(
      `  ${FAILED_MARK} (${mode}): ${failed.map((c) => `${c.name} [${c.detail}]`).join(' | ')}`,
    );
  }
  return lines.join('\n');
}
