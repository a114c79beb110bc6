/**
 * Thundering herd, as a pure simulation (no sockets): 10,000 clients dropped at the same instant,
 * each drawing its first retry delay from the default policy (`backoffDelay` with Math.random), the
 * server back at once and every first retry succeeding. Reports the peak reconnects per 100 ms, the
 * time until 99% have retried, and the peak against a uniform spread over the policy's window for
 * that retry ([floorMs, ceiling of attempt 1]), beside the same policy without jitter.
 */
import {
  type BackoffPolicy,
  backoffCeiling,
  backoffDelay,
  DEFAULT_BACKOFF,
  resolveBackoff,
} from '../src/core/backoff.js';
import { int, median } from './stats.js';

const CLIENTS = Number(process.env.BENCH_HERD_CLIENTS ?? 10_000);
const TRIALS = Number(process.env.BENCH_HERD_TRIALS ?? 20);
const BUCKET_MS = 100;

interface Herd {
  /** Most retries in one 100 ms bucket (buckets aligned on the drop). */
  readonly peak: number;
  /** Ms after the drop when 99% of the clients have retried. */
  readonly p99Ms: number;
}

function simulate(policy: Required<BackoffPolicy>): Herd {
  const delays = new Float64Array(CLIENTS);
  for (let i = 0; i < CLIENTS; i++) {
    const delay = backoffDelay(policy, {
      attempt: 1,
      fault: null,
      hintMs: 0,
      random: Math.random(),
    });
    if (delay === null) throw new Error('herd: the policy gave up on the first retry');
    delays[i] = delay;
  }
  delays.sort();
  const buckets = new Map<number, number>();
  for (const delay of delays) {
    const bucket = Math.floor(delay / BUCKET_MS);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  return {
    peak: Math.max(...buckets.values()),
    p99Ms: delays[Math.ceil(CLIENTS * 0.99) - 1] ?? Number.NaN,
  };
}

export async function benchHerd(): Promise<string> {
  const full = resolveBackoff();
  const none = resolveBackoff({ jitter: 'none' });
  // The window the default policy spreads the first retry over, and a perfectly even spread in it.
  const windowMs = backoffCeiling(full, 1) - full.floorMs;
  const uniform = (CLIENTS * BUCKET_MS) / windowMs;
  const rows: Array<[string, Herd[]]> = [
    [
      `full jitter (default: floor ${DEFAULT_BACKOFF.floorMs}, base ${DEFAULT_BACKOFF.baseMs} ms)`,
      [],
    ],
    ['no jitter (jitter: none)', []],
  ];
  for (let trial = 0; trial < TRIALS; trial++) {
    rows[0]?.[1].push(simulate(full));
    rows[1]?.[1].push(simulate(none));
  }
  console.log(
    `\nThundering herd: ${int(CLIENTS)} clients dropped at once, first retry, ${TRIALS} trials (median, worst)`,
  );
  console.log(
    `  uniform spread over the ${windowMs} ms window [${full.floorMs}, ${backoffCeiling(full, 1)}] ms: ${int(uniform)} per ${BUCKET_MS} ms`,
  );
  console.log(
    `  ${'policy'.padEnd(46)} ${'peak/100ms'.padStart(11)} ${'worst'.padStart(7)} ${'99% by'.padStart(8)}  peak/uniform (worst)`,
  );
  const ratios: number[] = [];
  for (const [name, herds] of rows) {
    const peak = median(herds.map((h) => h.peak));
    const worst = Math.max(...herds.map((h) => h.peak));
    const p99 = median(herds.map((h) => h.p99Ms));
    ratios.push(peak / uniform, worst / uniform);
    console.log(
      `  ${name.padEnd(46)} ${int(peak).padStart(11)} ${int(worst).padStart(7)} ${`${int(p99)} ms`.padStart(8)}  ${(peak / uniform).toFixed(2)}x (${(worst / uniform).toFixed(2)}x)`,
    );
  }
  const [fullPeak = 0, fullWorst = 0, nonePeak = 0] = ratios;
  const met = fullWorst <= 1.2 ? 'met' : 'MISSED';
  return `herd: peak ${fullPeak.toFixed(2)}x uniform (worst ${fullWorst.toFixed(2)}x) with jitter, ${nonePeak.toFixed(2)}x without (target <= 1.2x: ${met})`;
}
