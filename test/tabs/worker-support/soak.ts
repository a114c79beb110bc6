/**
 * The soak of issue 21 in real Chromium with a real SharedWorker, delivery off
 * (worker-soak.test.ts) or on (worker-soak-delivery.test.ts): five pages on one worker (the hub's
 * defaults: pings every 1000 ms, a tab dropped after 10 000 ms), every page sending every 20 ms
 * and making a request every 100 ms (answered after 300 ms, so some are always in flight). Events
 * in turn: crash (CDP `Page.crash`), close, hang (a 6 s busy loop, not waited for: the next events
 * go on meanwhile, an event on its slot waits for it) and bfcache (away and back through history),
 * on slot `event % 5`, so that each kind meets every slot; the first event crashes slot 0's first
 * page, the worker's creator.
 * A closed or crashed page is replaced by a new one in its slot. A crash of the page whose
 * renderer holds the worker kills the worker and its connection: the pages then recover on one
 * new worker (worker-recover.test.ts). Without delivery, what they had handed to the dead one
 * fails with a fault saying it may have arrived: told to the app, so not lost. With delivery they
 * keep their sends until the receipts and hand them to the new worker: at least once across that
 * death (src/worker/tab.ts), so a send the server processed whose ack died with the worker
 * arrives again.
 *
 * Counted per page (tally.ts): sends arrived once, twice, out of order (first arrivals), failed
 * (told), lost (accepted by `send()`, neither arrived nor failed: with delivery, a receipt that
 * says `unconfirmed` is not failed), and with delivery the receipts. Asserted: nothing twice
 * (with delivery: nothing twice but repeats across a worker death of sends whose receipts had not
 * said `acknowledged` under the dead worker, counted apart), nothing out of order, nothing lost,
 * no request settled with another's answer or answered twice, on every page that lived or closed
 * (a closed page is read as it stops, then closed: its record is whole, and what it handed over
 * must arrive). A crashed page's own record ends at its last read (its app is gone, nobody is
 * left to tell): only twice and out of order count there; its sends that reached the server after
 * it ended are counted (the worker kept them). One connection per worker; a hung page is never
 * dropped by the hub; with delivery, every live page's receipts settled.
 *
 * `SOCKGUARD_WORKER_SOAK=<rounds>` sets the rounds (each one of every kind); the default is the
 * issue's 10; `SOCKGUARD_WORKER_SOAK_DUMP=<file>` writes the run's record (frames, connections,
 * each page's last state) as JSON. Delivery off takes 47-72 s here idle and 65-70 s with both
 * cores busy (a worker death adds its 2.5 s recovery; how many crashes hit the worker's host
 * varies from run to run); delivery on 47-71 s idle (5 runs) and 52-67 s busy (2 runs).
 *
 * Red with the plants (SOCKGUARD_WORKER_PLANT) `drop-10th` (lost), `hub-drop-10th` (lost),
 * `reorder` (out of order), `resend-on-restore` (twice), `short-liveness` (a hung page dropped),
 * and with delivery `resend-acked` (twice: repeats across a death of acknowledged sends).
 *
 * Known red with delivery, on src/worker/tab.ts as of this commit: 5 of 7 runs of 10 rounds here,
 * each with 3 to 8 worker deaths (the 2 green runs had 1). Every failing figure of those runs is
 * one of these two (read from the runs' dumps):
 * - Duplicates on ONE connection, outside any at-least-once window (565-1553 per red run): a tab
 *   `renew()`s onto a new port and hands it every kept send before that port has welcomed; when
 *   two such ports reach the same worker, it sends each copy. Seen two ways: a page opened while
 *   the page hosting the worker hangs is not connected by Chromium until the hang ends, judges
 *   the worker unstarted after 2 s and renews onto the same stalled worker
 *   (worker-host-hang.test.ts shows it every time: 150 of 150 sends 2-3 times); and a page that
 *   renewed while a worker was being replaced (its port waited 2.5 s for a worker that was not
 *   there yet) renewed again, and both ports reached the new worker.
 * - Lost (64-170, in 4 of the 5 red runs): a page hung while its worker dies wakes, sends to the
 *   dead port, and goes into the cache before it judges the worker dead: `leave()` settles those
 *   sends `left`, receipts `unconfirmed`, and nobody hands them over.
 *   worker-bfcache-delivery.test.ts shows it every time (23-24 of 64).
 */
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { until } from '../tabs-browser.js';
import type { PageState } from './probe.js';
import {
  arrivals,
  arrivalsOn,
  never,
  neverWithDelivery,
  none,
  type Tally,
  tally,
} from './tally.js';
import {
  hubState,
  openPage,
  read,
  type SuiteOptions,
  startPage,
  workerSuite,
} from './worker-suite.js';

const ROUNDS = Number(process.env.SOCKGUARD_WORKER_SOAK ?? 10);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`SOCKGUARD_WORKER_SOAK: a whole number of rounds, not ${ROUNDS}`);
const PAGES = 5;
/** The crash first: slot 0's first page is the worker's creator, and its crash kills the worker. */
const KINDS = ['crash', 'close', 'hang', 'bfcache'] as const;
type Kind = (typeof KINDS)[number];
const HANG_MS = 6000;
const EVERY_MS = 20;
const ASK_EVERY_MS = 100;
const ANSWER_AFTER_MS = 300;
const REQUEST_TIMEOUT_MS = 5000;
/** Between events: long enough for each page to send a few times. */
const GAP_MS = 300;
/** Before the first event: the pages send, and with delivery their receipts come. */
const WARM_MS = 1000;
/** Pages recovering from a dead worker are open again within this (2.5 s rule, a busy machine). */
const RECOVER_MS = 15_000;
const BASE: SuiteOptions = { pingMs: 1000, tabTimeoutMs: 10_000, bfcache: true };

/** A page of a slot, from its opening to its end. */
interface Instance {
  readonly label: string;
  readonly slot: number;
  readonly page: Page;
  /** `reloaded`: navigated back, it came as a new document (not from the cache). */
  fate: 'live' | 'closed' | 'crashed' | 'reloaded';
  /** When it was closed or crashed, or navigated away for good (the test's clock, as the server's). */
  endedAt?: number;
  /**
   * The last state read: whole for a live or closed page, up to its end for a crashed or reloaded
   * one.
   */
  last?: PageState;
}

const run = (page: Page) =>
  page.evaluate(
    ([every, askEvery, after, timeout]) => {
      window.workerProbe.stream(every);
      window.workerProbe.ask(askEvery, after, timeout);
    },
    [EVERY_MS, ASK_EVERY_MS, ANSWER_AFTER_MS, REQUEST_TIMEOUT_MS] as const,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The soak's describe, with the pages' sockets on delivery or not, and with delivery, a durable
 * outbox in the worker or not (`outbox`: exactly once across a worker's death too).
 */
export function soak(delivery: boolean, outbox = false): void {
  const OPTIONS: SuiteOptions = { ...BASE, delivery, outbox };
  describe(`the soak: close, crash, hang and bfcache, ${ROUNDS} times each, delivery ${delivery ? 'on' : 'off'}${outbox ? ', a durable outbox in the worker' : ''}`, () => {
    const suite = workerSuite(PAGES, OPTIONS);
    it(outbox
      ? 'leaves nothing lost, twice or out of order on any page, across worker deaths too; receipts settled; one connection per worker; no hung page dropped'
      : delivery
        ? 'leaves nothing lost, duplicated (but across a worker death, unacknowledged) or out of order on any page; receipts settled; one connection per worker; no hung page dropped'
        : 'leaves nothing lost, twice or out of order on any page; one connection per worker; no hung page dropped', async () => {
      const started = Date.now();
      const all: Instance[] = suite.pages.map((page, slot) => ({
        label: String(slot),
        slot,
        page,
        fate: 'live',
      }));
      const slots = [...all];
      await Promise.all(all.map((i) => run(i.page)));
      // A steady state first: the first crash kills a worker whose acks flow (within ~1 s of the
      // start, the pages had no receipt yet, and no repeat could be outside the at-least-once window).
      await sleep(WARM_MS);
      let generation = 0;
      const replace = async (slot: number) => {
        generation += 1;
        const label = `${slot}.${generation}`;
        const page = await openPage(
          suite.context,
          suite.origin,
          suite.server,
          label,
          5000,
          OPTIONS,
        );
        const instance: Instance = { label, slot, page, fate: 'live' };
        all.push(instance);
        slots[slot] = instance;
        await run(page);
      };
      const live = () => slots.filter((i) => i.fate === 'live');
      /** Every live page is open again on one connection (after a worker died). */
      const settled = () =>
        until(async () => {
          const states = await Promise.all(live().map((i) => read(i.page)));
          expect(states.map((s) => s.status)).toEqual(states.map(() => 'open'));
          expect(suite.server.openCount()).toBe(1);
        }, RECOVER_MS);

      const figures: Record<Kind, number[]> = { crash: [], close: [], hang: [], bfcache: [] };
      /** From a crash that killed the worker to the last awake page open again (page clocks). */
      const deaths: Array<{ slot: number; recoveredMs: number }> = [];
      /** Pages in a hang now. */
      const hung = new Set<string>();
      const hangs: Array<Promise<void>> = [];
      /** Each slot's hang under way. */
      const busy: Array<Promise<void> | undefined> = [];
      const hungDropped: string[] = [];
      const notCached: unknown[] = [];
      for (let event = 0; event < KINDS.length * ROUNDS; event += 1) {
        const kind = KINDS[event % KINDS.length] as Kind;
        const slot = event % PAGES;
        const victim = slots[slot] as Instance;
        // A page still hung finishes its hang first (a navigation would end the busy script).
        await busy[slot];
        const at = Date.now();
        if (kind === 'close') {
          // Read as it stops, in one task of the page: its record is whole.
          victim.last = await victim.page.evaluate(() => window.workerProbe.stop());
          await victim.page.close();
          victim.fate = 'closed';
          victim.endedAt = Date.now();
          await replace(slot);
        } else if (kind === 'crash') {
          victim.last = await read(victim.page);
          const cdp = await suite.context.newCDPSession(victim.page);
          const crashed = new Promise<void>((resolve) =>
            victim.page.once('crash', () => resolve()),
          );
          // The renderer dies: the call never answers.
          cdp.send('Page.crash').catch(() => {});
          await crashed;
          victim.fate = 'crashed';
          victim.endedAt = Date.now();
          await sleep(GAP_MS);
          // The worker's host: its connection closes with it (the notes: within 28 ms).
          const died = suite.server.connections.some(
            (c) => c.closedAt !== null && c.closedAt >= at,
          );
          if (died) {
            const awake = live().filter((i) => !hung.has(i.label));
            // From the crash to each page's `open` again, as the pages recorded it (a page hung
            // meanwhile is left out: it learns of the death only when it wakes).
            const reopened = await until(async () => {
              const states = await Promise.all(awake.map((i) => read(i.page)));
              return states.map((state) => {
                const log = state.statusLog.filter((e) => e.at >= at);
                const down = log.findIndex((e) => e.status !== 'open');
                const up = log.findIndex((e, k) => k > down && e.status === 'open');
                if (down < 0 || up < 0) throw new Error(`${state.label}: ${JSON.stringify(log)}`);
                return (log[up]?.at as number) - at;
              });
            }, RECOVER_MS);
            await settled();
            deaths.push({ slot, recoveredMs: Math.max(...reopened) });
          }
          await replace(slot);
        } else if (kind === 'hang') {
          const { page, label } = victim;
          hung.add(label);
          const hang = page
            .evaluate((ms) => window.workerProbe.hang(ms), HANG_MS)
            .then(async () => {
              hung.delete(label);
              // The hub kept it (unless the worker itself died meanwhile: a new one never knew it).
              const hub = await hubState(page);
              const record = hub.ports.find((p) => p.label === label);
              if (record?.droppedAt != null) hungDropped.push(label);
            });
          hangs.push(hang);
          busy[slot] = hang;
        } else {
          const reasons: unknown[] = [];
          const cdp = await suite.context.newCDPSession(victim.page);
          await cdp.send('Page.enable');
          cdp.on('Page.backForwardCacheNotUsed', (e) => void reasons.push(e));
          const url = victim.page.url();
          // Its record so far, in case the page comes back as a new document.
          victim.last = await read(victim.page);
          await victim.page.goto(`${suite.origin.url}other`);
          await sleep(GAP_MS);
          await victim.page.goBack({ waitUntil: 'commit' });
          expect(victim.page.url()).toBe(url);
          // A document restored from the cache keeps its navigation entry (`navigate`); one loaded
          // anew has `back_forward`, and no socket until started.
          const type = await until(() =>
            victim.page.evaluate(() => {
              if (window.workerProbe === undefined) throw new Error('loading');
              return (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
                .type;
            }),
          );
          if (type === 'back_forward') {
            notCached.push({ label: victim.label, reasons });
            victim.fate = 'reloaded';
            victim.endedAt = at;
            generation += 1;
            const label = `${slot}.${generation}`;
            await startPage(victim.page, suite.server, label, REQUEST_TIMEOUT_MS, OPTIONS);
            const instance: Instance = { label, slot, page: victim.page, fate: 'live' };
            all.push(instance);
            slots[slot] = instance;
            await run(victim.page);
          }
          const page = (slots[slot] as Instance).page;
          await until(async () => expect((await read(page)).status).toBe('open'), RECOVER_MS);
        }
        figures[kind].push(Date.now() - at);
        await sleep(GAP_MS);
      }
      await Promise.all(hangs);
      await settled();
      for (const i of live()) i.last = await i.page.evaluate(() => window.workerProbe.stop());
      // What is in flight settles: requests answered after 300 ms, sends written. What does not
      // within the bound is counted below (a send never settled nor arrived is lost).
      await until(async () => {
        for (const i of live()) {
          const s = await read(i.page);
          expect(Object.keys(s.outcomes)).toHaveLength(s.asked);
          expect(Object.keys(s.settled)).toHaveLength(
            s.sends.filter((e) => e.status === 'queued').length,
          );
          i.last = s;
        }
      }, 10_000).catch(() => {});
      await sleep(500);
      for (const i of live()) i.last = await read(i.page);
      const took = Date.now() - started;

      const tallies = all.map((i) => ({
        instance: i,
        t: tally(i.last as PageState, suite.server, i.fate === 'live' || i.fate === 'closed'),
      }));
      const whole = tallies.filter(
        ({ instance }) => instance.fate === 'live' || instance.fate === 'closed',
      );
      const partial = tallies.filter(
        ({ instance }) => instance.fate === 'crashed' || instance.fate === 'reloaded',
      );
      type Count = { [K in keyof Tally]: Tally[K] extends number ? K : never }[keyof Tally];
      const sum = (key: Count, list = tallies) => list.reduce((n, { t }) => n + t[key], 0);
      const receipts = (list: typeof tallies) =>
        list.reduce(
          (r, { t }) => ({
            acknowledged: r.acknowledged + t.receipts.acknowledged,
            unconfirmed: r.unconfirmed + t.receipts.unconfirmed,
            rejected: r.rejected + t.receipts.rejected,
            pending: r.pending + t.receipts.pending,
          }),
          { acknowledged: 0, unconfirmed: 0, rejected: 0, pending: 0 },
        );
      /** What the pages of each fate sent and what became of it. */
      const byFate = (['live', 'closed', 'crashed', 'reloaded'] as const).map((fate) => {
        const list = tallies.filter(({ instance }) => instance.fate === fate);
        const ended = list.map(({ instance }) => instance);
        // Sends of a closed or crashed page that reached the server after it ended (as the test
        // saw the end), and a crashed or reloaded page's sends made after its last read that
        // arrived: the worker had them (with delivery, kept until acknowledged).
        const afterEnd = ended.reduce(
          (n, i) =>
            n +
            arrivalsOn(suite.server, i.label).filter(
              (a) => i.endedAt !== undefined && a.at >= i.endedAt,
            ).length,
          0,
        );
        const unread = ended.reduce((n, i) => {
          const made = (i.last as PageState).sends.length;
          return n + new Set(arrivals(suite.server, i.label).filter((k) => k >= made)).size;
        }, 0);
        return `${fate} ${list.length}: sends accepted ${sum('accepted', list)}, arrived ${sum('arrived', list)}${fate === 'live' ? '' : ` (${afterEnd} after the page ended, ${unread} made after its last read)`}, twice ${sum('twice', list)} (of them repeats across worker deaths ${sum('repeatsAcrossDeaths', list)}), out of order ${sum('outOfOrder', list)}, failed ${sum('failed', list)} + ${sum('failedArrived', list)} arrived, lost ${fate === 'live' || fate === 'closed' ? sum('lost', list) : '-'}, receipts ${JSON.stringify(receipts(list))}`;
      });
      // A crashed page's sends up to its last read that did not arrive and were not failed there:
      // they went with the page (or with the worker, when it was the host).
      const crashedNotArrived = all
        .filter((i) => i.fate === 'crashed' || i.fate === 'reloaded')
        .map((i) => {
          const got = new Set(arrivals(suite.server, i.label));
          const state = i.last as PageState;
          return state.sends.filter(
            (e) => e.status === 'queued' && !got.has(e.n) && state.settled[e.n] !== 'failed',
          ).length;
        });
      // `SOCKGUARD_WORKER_SOAK_DUMP=<file>`: the run's record, to read a red run afterwards.
      const dump = process.env.SOCKGUARD_WORKER_SOAK_DUMP;
      if (dump)
        writeFileSync(
          dump,
          JSON.stringify({
            frames: suite.server.frames.filter((f) => f.type === 'seq'),
            connections: suite.server.connections.map(({ id, openedAt, closedAt }) => ({
              id,
              openedAt,
              closedAt,
            })),
            pages: all.map(({ label, fate, endedAt, last }) => ({ label, fate, endedAt, last })),
          }),
        );
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      console.log(
        `[worker] soak, ${ROUNDS} rounds, ${took} ms: events ${KINDS.map((k) => `${k} x${figures[k].length} (median ${median(figures[k])} ms, max ${Math.max(...figures[k])} ms)`).join(', ')}; page instances ${all.length} (closed ${all.filter((i) => i.fate === 'closed').length}, crashed ${all.filter((i) => i.fate === 'crashed').length}, reloaded ${all.filter((i) => i.fate === 'reloaded').length}); worker deaths ${deaths.length} (crash of slot ${JSON.stringify(deaths.map((d) => d.slot))}, open again in ${JSON.stringify(deaths.map((d) => d.recoveredMs))} ms); connections ${suite.server.connections.length}; sends accepted ${sum('accepted')}, arrived ${sum('arrived')}, twice ${sum('twice')} (repeats across worker deaths ${sum('repeatsAcrossDeaths')}, on pages ${JSON.stringify(tallies.filter(({ t }) => t.repeatsAcrossDeaths > 0).map(({ instance, t }) => `${instance.label}: ${t.repeatsAcrossDeaths}`))}), out of order ${sum('outOfOrder')}, failed (told, may have arrived) ${sum('failed')} + ${sum('failedArrived')} that did arrive, lost ${sum('lost', whole)}, rejected at send ${sum('rejected')}; crashed or reloaded pages' sends read and neither arrived nor failed (went with the page) ${JSON.stringify(crashedNotArrived)}; requests ${sum('requests')}, replied ${sum('replied')}, failed ${sum('requestsFailed')}, wrong reply ${sum('wrongReply')}; hung pages dropped ${hungDropped.length}; pages not restored from the cache ${JSON.stringify(notCached)}; pages with sends lost ${JSON.stringify(whole.filter(({ t }) => t.lost > 0).map(({ instance, t }) => `${instance.label}: ${t.lost}`))}; by fate: ${byFate.join('; ')}`,
      );
      expect(whole.map(({ t }) => (delivery ? neverWithDelivery : never)(t))).toEqual(
        whole.map(({ t }) => none(t.label)),
      );
      for (const { t } of partial) {
        const { twice, outOfOrder, wrongReply, answersTwice } = (
          delivery ? neverWithDelivery : never
        )(t);
        expect([twice, outOfOrder, wrongReply, answersTwice]).toEqual([0, 0, 0, 0]);
      }
      // A repeat across a worker death needs a death: without one (or without delivery), none. With
      // a durable outbox none either: the next worker resumes what the last one kept, under its seqs.
      if (!delivery || outbox || deaths.length === 0) expect(sum('repeatsAcrossDeaths')).toBe(0);
      // With delivery every live page's receipts settled (acknowledged, or unconfirmed by a trip
      // into the cache, or rejected with a fault).
      if (delivery)
        for (const { t } of tallies.filter(({ instance }) => instance.fate === 'live'))
          expect({ label: t.label, pending: t.receipts.pending }).toEqual({
            label: t.label,
            pending: 0,
          });
      // Every live page's requests settled, each once, with its own answer or a fault.
      for (const { t } of tallies.filter(({ instance }) => instance.fate === 'live'))
        expect(t.unsettled).toBe(0);
      expect(hungDropped).toEqual([]);
      // One connection per worker: the first, and one for each worker a crash killed.
      expect(suite.server.connections).toHaveLength(1 + deaths.length);
      expect(suite.server.openCount()).toBe(1);
      expect(live().length).toBe(PAGES);
    }, 600_000);
  });
}
