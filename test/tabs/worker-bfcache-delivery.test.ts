/**
 * The case of worker-bfcache.test.ts' second test, with delivery on (found again by the delivery
 * soak, worker-soak-delivery.test.ts: 64 sends of one page, in 1 of 3 runs): the worker dies (its
 * creator crashes) and page 2, not yet aware (a tab judges the worker dead only after 2 s of
 * silence), goes into the back/forward cache with sends it handed to the dead worker, and comes
 * back (the scenario: worker-support/unnoticed-death.ts). Every send it had handed over must
 * arrive or its receipt reject: lost is accepted, never arrived and not failed with a fault or a
 * receipt rejection.
 *
 * Failed on src/worker/tab.ts before leave() rejected those receipts "may have arrived" (lost 23
 * and 24 of 64, each with receipt `unconfirmed`).
 */
import { describe, expect, it } from 'vitest';
import { neverWithDelivery, none } from './worker-support/tally.js';
import { cacheAfterUnnoticedDeath } from './worker-support/unnoticed-death.js';
import { workerSuite } from './worker-support/worker-suite.js';

const suite = workerSuite(5, { pingMs: 1000, tabTimeoutMs: 10_000, bfcache: true, delivery: true });

describe('a page into the back/forward cache and back, with delivery', () => {
  it('after its worker died unnoticed: every send it had handed over arrives or its receipt rejects; none lost', async () => {
    const { state, t, reasons, silent } = await cacheAfterUnnoticedDeath(suite, 'receipts');
    expect(reasons).toEqual([]);
    expect(state.lifecycle.filter((e) => e.persisted).map((e) => e.type)).toEqual([
      'pagehide',
      'pageshow',
    ]);
    console.log(
      `[worker] bfcache after an unnoticed worker death, delivery on: page 2 accepted ${t.accepted}, arrived ${t.arrived}, receipts ${JSON.stringify(t.receipts)}, twice ${t.twice} (across the death ${t.repeatsAcrossDeaths}), lost ${t.lost} (receipts ${JSON.stringify([...new Set(silent.map((e) => state.receipts[e.n]))])}, settled ${JSON.stringify([...new Set(silent.map((e) => state.settled[e.n]))])})`,
    );
    expect(neverWithDelivery(t)).toEqual(none('2'));
  }, 40_000);
});
