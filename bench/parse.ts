/**
 * CPU per inbound frame, in process (no I/O), side by side in one run: JSON.parse alone, sockguard's
 * parseFrame (size and depth guards, `__proto__` guard, envelope check), and JSON.parse followed by
 * a zod classic or zod/mini `safeParse` of the same envelope rules. Interleaved rounds (the order
 * rotates each round, so no contender always runs warm or cold), medians, ns per frame.
 *
 * Two sets of frames: small ones (~126 bytes: chat and ticks, too few brackets for the depth check
 * to run at all) and lists (~3 KB, 80 objects each: more brackets than `maxDepth`, so the depth
 * check reads the whole frame). Plus the cost of the attack the depth check is for: an 800 KB frame
 * nested 400,000 deep, against a flat frame of the same size.
 */
import { z } from 'zod';
import { parseFrame } from '../src/protocol/envelope.js';
import { envelopeSchema as miniEnvelopeSchema } from '../src/protocol/schemas.js';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

// About 100-130 bytes each, like the chat/tick traffic the issue names; one in 50 is an error.
const small = Array.from({ length: 1000 }, (_, i) =>
  i % 50 === 49
    ? JSON.stringify({
        type: 'error',
        data: { code: 4005, message: 'slow down' },
        meta: { request_id: `r${i}`, retry_after_ms: 500 },
      })
    : JSON.stringify({
        type: 'tick',
        data: { seq: i, room: 'general', text: 'hello' },
        meta: { timestamp: '2026-11-24T12:00:00Z', request_id: `r${i}` },
      }),
);

// A page of results: 80 small objects in a list, ~3 KB, so 81 brackets (more than maxDepth 64).
const lists = Array.from({ length: 200 }, (_, i) =>
  JSON.stringify({
    type: 'results',
    data: {
      page: i,
      items: Array.from({ length: 80 }, (_, k) => ({
        id: i * 80 + k,
        name: `item ${k}`,
        ok: true,
      })),
    },
    meta: { request_id: `r${i}` },
  }),
);

// The same rules as src/protocol/schemas.ts, in zod classic.
const meta = z.looseObject({
  request_id: z.string().optional(),
  timestamp: z.string().optional(),
  retry_after_ms: z.number().gte(0).optional(),
});
const classicEnvelopeSchema = z.union([
  z.looseObject({
    type: z
      .string()
      .min(1)
      .refine((t) => t !== 'error'),
    data: z.unknown().optional(),
    meta: meta.optional(),
  }),
  z.looseObject({
    type: z.literal('error'),
    data: z.looseObject({ code: z.number(), message: z.string() }),
    meta: meta.optional(),
  }),
]);

function time(frames: readonly string[], count: number, fn: (text: string) => boolean): number {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) if (fn(frames[i % frames.length] as string)) sink++;
  const elapsed = performance.now() - started;
  return sink === count ? (elapsed * 1e6) / count : Number.NaN; // NaN: a contender refused a frame
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const contenders: Array<[string, (text: string) => boolean]> = [
  ['JSON.parse alone', (t) => JSON.parse(t) !== undefined],
  ['sockguard parseFrame', (t) => parseFrame(t).ok],
  ['JSON.parse + zod safeParse', (t) => classicEnvelopeSchema.safeParse(JSON.parse(t)).success],
  ['JSON.parse + zod/mini safeParse', (t) => miniEnvelopeSchema.safeParse(JSON.parse(t)).success],
];

/** Medians per contender over interleaved rounds on one set of frames, printed; returns the ratios. */
function measure(title: string, frames: readonly string[], count: number): string[] {
  const results = contenders.map(() => [] as number[]);
  for (const [, fn] of contenders) time(frames, count, fn); // warm up every contender first
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (k + round) % contenders.length;
      const contender = contenders[index];
      if (contender) results[index]?.push(time(frames, count, contender[1]));
    }
  }
  const medians = results.map(median);
  const base = medians[0] ?? Number.NaN;
  console.log(
    `\nCPU per inbound frame, ${title} (${count.toLocaleString('en')} frames of ~${frames[0]?.length} bytes, ${ROUNDS} interleaved rounds, medians)`,
  );
  contenders.forEach(([name], i) => {
    const ns = medians[i] ?? Number.NaN;
    console.log(`  ${name.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns  ${(ns / base).toFixed(2)}x`);
  });
  return medians.map((ns) => (ns / base).toFixed(2));
}

/** parseFrame on the deep attack frame vs a flat frame of the same size: medians of 9, in ms. */
function attack(): string {
  const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
  const flat = `{"type":"t","data":[${'1,'.repeat(399_999)}1]}`;
  const run = (text: string) => {
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const started = performance.now();
      parseFrame(text);
      times.push(performance.now() - started);
    }
    return median(times);
  };
  run(flat);
  const [deepMs, flatMs] = [run(deep), run(flat)];
  console.log(
    `\nparseFrame on ${deep.length.toLocaleString('en')} chars nested 400,000 deep: ${deepMs.toFixed(3)} ms; flat ${flat.length.toLocaleString('en')} chars: ${flatMs.toFixed(3)} ms (${(deepMs / flatMs).toFixed(2)}x)`,
  );
  return `deep/flat ${(deepMs / flatMs).toFixed(2)}x`;
}

export async function benchParse(): Promise<string> {
  const a = measure('small frames', small, FRAMES);
  const b = measure('lists of 80 objects', lists, Math.max(1, Math.floor(FRAMES / 20)));
  const deep = attack();
  return `parse: parseFrame ${a[1]}x (lists ${b[1]}x), +zod ${a[2]}x, +zod/mini ${a[3]}x JSON.parse per frame; ${deep}`;
}
