// @vitest-environment node
// Issue 19's multi-instance test with real processes: 3 session-server instance processes on a
// real redis-server, behind a real nginx and a real HAProxy run with the configs in docs/deploy/,
// a fleet of sockguard clients with delivery() (each its own user) under a steady load both ways,
// through a rolling deploy, a SIGKILLed instance, Redis frozen (SIGSTOP) past the store's command
// timeout, and Redis restarted empty; by default with both cores kept busy by a CPU hog.
//
// Knobs: SOCKGUARD_HOG=0 (no hog), SOCKGUARD_PROCESSES_CLIENTS (default 200),
// SOCKGUARD_PROCESSES_EVERY_MS (default 500: 2 messages a second per client each way),
// SOCKGUARD_PROCESSES_SCENARIOS (default deploy,kill,stall,empty: the nginx run's, in order),
// SOCKGUARD_NGINX_MAX_FAILS=1 (plants the lockout: nginx without max_fails=0),
// SOCKGUARD_PROCESSES_REPORT=<file> (appends the figures there too).
import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing } from '../support/redis-server.js';
import { type Hog, startHog } from './hog.js';
import { findBinary } from './proxies.js';
import { formatRun } from './report.js';
import { type RunOptions, runCluster, type Scenario } from './run.js';

const spinners = process.env.SOCKGUARD_HOG === '0' ? 0 : availableParallelism();
const CLIENTS = Number(process.env.SOCKGUARD_PROCESSES_CLIENTS ?? 200);
const EVERY_MS = Number(process.env.SOCKGUARD_PROCESSES_EVERY_MS ?? 500);
/** The nginx run's scenarios, in order (SOCKGUARD_PROCESSES_SCENARIOS=deploy,kill to shorten it). */
const SCENARIOS = (process.env.SOCKGUARD_PROCESSES_SCENARIOS ?? 'deploy,kill,stall,empty')
  .split(',')
  .map((name) => name.trim()) as Scenario[];

const missing = [
  redisMissing(),
  findBinary('nginx') === undefined ? 'nginx is not installed' : undefined,
  findBinary('haproxy') === undefined ? 'haproxy is not installed' : undefined,
].filter((why) => why !== undefined);

async function run(options: RunOptions): Promise<void> {
  const result = await runCluster(options);
  const text = formatRun(result, options, spinners);
  console.log(text);
  if (process.env.SOCKGUARD_PROCESSES_REPORT) {
    appendFileSync(process.env.SOCKGUARD_PROCESSES_REPORT, `${text}\n`);
  }
  expect(result.failures).toEqual([]);
}

if (missing.length > 0 && process.env.CI !== 'true') {
  console.warn(`\n[sockguard] SKIPPED the real-process tests: ${missing.join('; ')}\n`);
}

describe.skipIf(missing.length > 0 && process.env.CI !== 'true')('real processes', () => {
  let hog: Hog | undefined;
  beforeAll(() => {
    if (missing.length > 0) throw new Error(`${missing.join('; ')}: .ci/run installs them`);
    if (spinners > 0) hog = startHog(spinners);
  });
  afterAll(async () => {
    await hog?.stop();
  });

  it(`nginx (docs/deploy/nginx.conf), ${CLIENTS} clients: rolling deploy, SIGKILL, Redis frozen, Redis restarted empty: nothing lost silently, nothing twice outside the Redis data loss, every stranded client back within its bound`, async () => {
    await run({
      proxy: 'nginx',
      clients: CLIENTS,
      everyMs: EVERY_MS,
      scenarios: SCENARIOS,
      plantNginxLockout: process.env.SOCKGUARD_NGINX_MAX_FAILS === '1',
    });
  }, 240_000);

  it(`HAProxy (docs/deploy/haproxy.cfg), ${Math.round(CLIENTS / 2)} clients: rolling deploy and SIGKILL: nothing lost, nothing twice, every client back within its bound`, async () => {
    await run({
      proxy: 'haproxy',
      clients: Math.round(CLIENTS / 2),
      everyMs: EVERY_MS,
      scenarios: ['deploy', 'kill'],
    });
  }, 150_000);
});
