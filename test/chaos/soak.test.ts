/**
 * Chaos soak (see phase.ts): the same fault plan twice, with delivery on (acknowledged sends,
 * resumable streams, over `sockguard/server` sessions) and off (at most once). Every message is
 * followed by id in both directions; with delivery on nothing may be lost silently or doubled,
 * without it the loss is printed as the baseline. `CHAOS_SOAK=short` runs a shorter soak (the
 * mutation run, `npm run test:chaos:mutants`, runs that one against each planted bug).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from './books.js';
import { claimsOf, FROZEN_BOUND_MS, type Minimums } from './claims.js';
import { type CpuHog, startCpuHog } from './cpu-hog.js';
import { formatFigures } from './figures.js';
import { type PhaseConfig, POLICY, runPhase } from './phase.js';
import { seededRandom } from './random.js';

const SHORT = process.env.CHAOS_SOAK === 'short';
/** Phase lengths: about 90 s in all for the full soak, about 20 s for a mutant's. */
const ON_MS = SHORT ? 12_000 : 45_000;
const OFF_MS = SHORT ? 8_000 : 15_000;
/** At least this many faults and requests per second of soak. */
const minimums = (ms: number): Minimums => ({
  faults: Math.floor((ms / 1000) * 8),
  requests: Math.floor((ms / 1000) * 25),
});

/** `CHAOS_HOG=1`: both cores kept busy by spinning processes for the whole soak (CI runs it so once). */
const HOG = process.env.CHAOS_HOG === '1';

const processErrors: unknown[] = [];
const onProcessError = (error: unknown) => processErrors.push(error);
let hog: CpuHog | undefined;

beforeAll(() => {
  process.on('uncaughtException', onProcessError);
  process.on('unhandledRejection', onProcessError);
  if (HOG) hog = startCpuHog();
});
afterAll(() => {
  hog?.stop();
  process.off('uncaughtException', onProcessError);
  process.off('unhandledRejection', onProcessError);
});

async function soak(config: PhaseConfig, meta: { chaosFigures?: string }) {
  const errorsBefore = processErrors.length;
  const result = await runPhase(config, seededRandom());
  const figures = reconcile(result, POLICY, FROZEN_BOUND_MS);
  const claims = claimsOf(
    result,
    figures,
    processErrors.slice(errorsBefore),
    minimums(config.durationMs),
  );
  const text = formatFigures(result, figures, claims);
  meta.chaosFigures = text;
  console.log(text);
  // Soft: a failing run shows every broken claim at once, not only the first.
  for (const c of claims) expect.soft(c.ok, `${c.name}: ${c.detail}`).toBe(true);
}

describe('chaos soak: every message followed by id in both directions, behind a fault proxy', () => {
  it('with delivery on: nothing lost silently or doubled either way, order kept, every receipt and request settled', async ({
    task,
  }) => {
    await soak({ delivery: true, durationMs: ON_MS, historyLosses: SHORT ? 1 : 2 }, task.meta);
  });

  it('with delivery off: the at-most-once loss is the baseline; nothing doubled, every request settled, retries follow the policy', async ({
    task,
  }) => {
    await soak({ delivery: false, durationMs: OFF_MS, historyLosses: 0 }, task.meta);
  });
});
