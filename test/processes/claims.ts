/**
 * What a run must show (issue 19): per phase and direction nothing lost silently, nothing left
 * without a fate, nothing twice outside the Redis data loss (and the frames a SIGKILLed instance
 * processed before the store confirmed their duplicate window, counted apart), nothing out of order, no false
 * resync; every client a fault cut off back within its bound; nobody downgraded to at most once;
 * every frame processed under its sender's principal. Each failure names its figure and how many.
 */
import { type Direction, total } from './books.js';
import type { RunOptions, RunResult } from './run.js';

/**
 * The bounds the run asserts, measured from times the processes wrote (the welcome as the
 * instance wrote it in its book; the stop, kill, thaw or restart as the test sent it), never from
 * a polling loop. Faults are spaced so that each meets clients whose last connection lasted the
 * client's `minUptimeMs` (5 s): their backoff starts over.
 */
export const BOUNDS = {
  /**
   * From an instance's stop or kill to every client it held being resumed on another. The
   * client's first retry after the close waits 0.25 to 1 s (default backoff, full jitter), the
   * proxy moves a refused upgrade to the next instance at once, the resume is two Redis scripts:
   * about 1 s idle, 3.2 s at most measured with the CPU hog. The bound leaves room for one more
   * failed attempt (the second waits up to 2 s) on a busy machine; a proxy that locks clients
   * out (nginx without max_fails=0) takes 60 to 140 s.
   */
  instanceMs: 8000,
  /**
   * From Redis's thaw (SIGCONT) to every client it cut off (its link dropped during the freeze,
   * or a resume refused) being resumed or told to resync. A hello during the freeze waits for the
   * store's command timeouts (1 s each), is answered `unavailable` and closed (1013); the retries
   * back off (0.25-1 s, then up to 2 s, then up to 4 s), so the last refusal comes about 1 s after
   * the thaw and the next attempt up to 4 s later: about 5 s, 6 s measured at most with the hog.
   */
  stallMs: 8000,
  /**
   * From Redis being back empty to every client being moved to a new session (a resync). The
   * store's two connections come back in either order (up to 2.5 s apart here); a client that
   * resumed while only the subscriber was back is refused (`unavailable`, 1013) and retries, and a
   * session the store forgot must be found by the server and its client sent on: 7.7 s measured
   * at most with the hog, 2 s typical.
   */
  resyncMs: 15_000,
} as const;

/** The claims of issue 19 for this run; each failure names its figure and how many. */
export function claims(result: Omit<RunResult, 'failures'>, options: RunOptions): string[] {
  const failures: string[] = [];
  const fail = (condition: boolean, text: string) => {
    if (!condition) failures.push(text);
  };
  result.phases.forEach((phase, p) => {
    const up = result.toServer[p] as Direction;
    const down = result.toClient[p] as Direction;
    const list = (map: ReadonlyMap<string, number>) =>
      [...map].map(([why, n]) => `${why}: ${n}`).join(', ');
    fail(
      total(up.lostSilently) === 0,
      `[${phase}] client->server lost silently: ${total(up.lostSilently)} (${list(up.lostSilently)})`,
    );
    fail(up.noFate === 0, `[${phase}] client->server sends left without a fate: ${up.noFate}`);
    fail(
      up.twice === 0,
      `[${phase}] client->server processed twice (outside the Redis data loss): ${up.twice}`,
    );
    fail(up.outOfOrder === 0, `[${phase}] client->server processed out of order: ${up.outOfOrder}`);
    fail(
      total(down.lostSilently) === 0,
      `[${phase}] server->client lost silently: ${total(down.lostSilently)} (${list(down.lostSilently)})`,
    );
    fail(
      down.twice === 0,
      `[${phase}] server->client seen twice (outside the Redis data loss): ${down.twice}`,
    );
  });
  fail(
    result.away.size === 0,
    `clients not connected at the end (30 s after the load stopped): ${result.away.size}`,
  );
  const undelivered = result.toClient.reduce((sum, d) => sum + d.undelivered, 0);
  fail(
    undelivered === 0,
    `server->client pushes never delivered, their clients still disconnected at the end: ${undelivered}`,
  );
  result.phases.forEach((phase, p) => {
    const d = result.toServer[p] as Direction;
    fail(
      d.resyncsOutside === 0,
      `[${phase}] resync faults outside the Redis data loss (the app told to refetch, nothing was lost): ${d.resyncsOutside}`,
    );
  });
  const after = result.phases.length - 1;
  const tail = result.toClient[after] as Direction;
  fail(
    tail.unnumbered === 0,
    `[after] pushes not numbered once everything is back (sessions the store does not know: stranded clients): ${tail.unnumbered}`,
  );
  const tailUp = result.toServer[after] as Direction;
  fail(
    total(tailUp.lostReported) === 0,
    `[after] client->server sends rejected once everything is back: ${total(tailUp.lostReported)}`,
  );
  for (const r of result.recoveries) {
    const bound =
      r.name.startsWith('deploy') || r.name.startsWith('SIGKILL')
        ? BOUNDS.instanceMs
        : r.name === 'Redis SIGSTOP'
          ? BOUNDS.stallMs
          : BOUNDS.resyncMs;
    fail(
      r.stranded.length === 0,
      `[${r.name}] clients stranded (never ${r.name.includes('empty') ? 'moved to a new session' : 'resumed or told to resync'}): ${r.stranded.length} of ${r.affected}, last welcomed with ${JSON.stringify(r.strandedOn)} (clients ${r.stranded.slice(0, 10).join(', ')}${r.stranded.length > 10 ? ', ...' : ''})`,
    );
    fail(
      r.serverMs.max <= bound,
      `[${r.name}] slowest recovery ${r.serverMs.max} ms, above the bound of ${bound} ms`,
    );
    if (r.name.startsWith('deploy') || r.name.startsWith('SIGKILL')) {
      fail(r.affected > 0, `[${r.name}] the instance held no client: the scenario proved nothing`);
      const notResumed = r.recovered - (r.outcomes.resumed ?? 0);
      fail(
        notResumed === 0,
        `[${r.name}] clients not resumed (resync instead): ${notResumed} (${JSON.stringify(r.outcomes)})`,
      );
    }
  }
  const downgraded = result.clients.filter((c) => c.downgradedAt !== undefined).length;
  fail(
    downgraded === 0,
    `clients silently downgraded to at most once (delivery 'plain'): ${downgraded}`,
  );
  fail(
    result.books.wrongPrincipal === 0,
    `frames processed over another user's connection or in another user's session: ${result.books.wrongPrincipal}`,
  );
  fail(
    result.books.unauthorized === 0,
    `upgrades refused by the token check: ${result.books.unauthorized}`,
  );
  fail(
    result.books.drains.every((d) => d.complete),
    `drains that timed out: ${result.books.drains.filter((d) => !d.complete).length}`,
  );
  // The load was real: every phase carried traffic both ways.
  result.phases.forEach((phase, p) => {
    const perPhase = options.clients;
    fail(
      (result.toServer[p] as Direction).sent >= perPhase,
      `[${phase}] too few sends to prove anything: ${(result.toServer[p] as Direction).sent}`,
    );
    fail(
      (result.toClient[p] as Direction).numbered >= perPhase,
      `[${phase}] too few numbered pushes to prove anything: ${(result.toClient[p] as Direction).numbered}`,
    );
  });
  return failures;
}
