/**
 * CPU per inbound frame, in process (no I/O), side by side in one run: JSON.parse alone, sockguard's
 * parseFrame (size and depth guards, `__proto__` guard, envelope check), and JSON.parse followed by
 * a zod classic or zod/mini `safeParse` of the same envelope rules. Interleaved rounds (the order
 * rotates each round, so no contender always runs warm or cold), medians, ns per frame.
 */
import { z } from 'zod';
import { parseFrame } from '../src/protocol/envelope.js';
import { envelopeSchema as miniEnvelopeSchema } from '../src/protocol/schemas.js';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

// About 100-130 bytes each, like the chat/tick traffic the issue names; one in 50 is an error.
const frames = Array.from({ length: 1000 }, (_, i) =>
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

function time(fn: (text: string) => boolean): number {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < FRAMES; i++) if (fn(frames[i % frames.length] as string)) sink++;
  const elapsed = performance.now() - started;
  return sink === FRAMES ? (elapsed * 1e6) / FRAMES : Number.NaN; // NaN: a contender refused a frame
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const contenders: Array<[string, (text: string) => boolean]> = [
  ['JSON.parse alone', (t) => JSON.parse(t) !== undefined],
  ['sockguard parseFrame', (t) => parseFrame(t).ok],
  ['JSON.parse + zod safeParse', (t) => classicEnvelopeSchema.safeParse(JSON.parse(t)).success],
  ['JSON.parse + zod/mini safeParse', (t) => miniEnvelopeSchema.safeParse(JSON.parse(t)).success],
];

export async function benchParse(): Promise<string> {
  const results = contenders.map(() => [] as number[]);
  for (const [, fn] of contenders) time(fn); // warm up every contender before measuring
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (k + round) % contenders.length;
      const contender = contenders[index];
      if (contender) results[index]?.push(time(contender[1]));
    }
  }
  const medians = results.map(median);
  const base = medians[0] ?? Number.NaN;
  console.log(
    `\nCPU per inbound frame (${FRAMES.toLocaleString('en')} frames of ~${frames[0]?.length} bytes, ${ROUNDS} interleaved rounds, medians)`,
  );
  contenders.forEach(([name], i) => {
    const ns = medians[i] ?? Number.NaN;
    console.log(`  ${name.padEnd(34)} ${ns.toFixed(0).padStart(5)} ns  ${(ns / base).toFixed(2)}x`);
  });
  const ratio = (i: number) => ((medians[i] ?? Number.NaN) / base).toFixed(2);
  return `parse: parseFrame ${ratio(1)}x, +zod ${ratio(2)}x, +zod/mini ${ratio(3)}x JSON.parse per frame`;
}
