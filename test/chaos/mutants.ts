/**
 * The mutation run (`npm run test:chaos:mutants`): proves each claim of the chaos soak can fail.
 * For each planted bug it copies `src/` and `test/chaos/` to a temporary directory, rewrites one
 * spot of the copy (failing loudly when the spot is not found: the code moved, update the mutant),
 * and runs the short soak (`CHAOS_SOAK=short`) against the copy. The soak must fail on every
 * mutant, by its claims (a crash or a hang is not a catch); an unmutated copy must pass, or a
 * failure would prove nothing. A mutant that survives fails the run and is named.
 *
 * `CHAOS_MUTANT=<part of a name>` runs only the matching mutants; `CHAOS_MUTANT_JOBS` sets how
 * many soaks run at once (default: 2, or 1 on a single core).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The failed-claims marker the soak prints (figures.ts `FAILED_MARK`). */
const FAILED_MARK = 'CHAOS CLAIMS FAILED';
/** A short soak takes about 25 s; twice that under a parallel run is still fine, more is a hang. */
const RUN_TIMEOUT_MS = 150_000;

interface Edit {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

interface Mutant {
  readonly name: string;
  readonly edits: readonly Edit[];
}

/** The planted bugs of issue 11, each one a real way for the library to break a promise. */
const MUTANTS: readonly Mutant[] = [
  {
    name: 'reconnects by itself after a fatal fault',
    // Sooner than the soak's app calls reconnect() (20 to 60 ms after the fatal fault), or the
    // app's own call hides it.
    edits: [
      {
        file: 'src/core/machine.ts',
        find: `  set({ fatal: f.id, phase: { name: 'failed' } });`,
        replace: `  set({ fatal: f.id, phase: { name: 'waiting', due: now.mono + 5, fault: f } });\n  arm('retry', 5);`,
      },
    ],
  },
  {
    name: 'requests on a dropped link neither rejected nor retried',
    edits: [
      {
        file: 'src/request/request.ts',
        find: `        if (!entry.sent || entry.frame?.seq !== undefined) return;`,
        replace: `        return;`,
      },
    ],
  },
  {
    name: 'a heartbeat that never gives up',
    edits: [
      {
        file: 'src/core/heartbeat.ts',
        find: `      if (frames !== before) return;`,
        replace: `      return;`,
      },
    ],
  },
  {
    name: 'one queued frame in 20 dropped',
    edits: [
      {
        file: 'src/core/socket.ts',
        find: `  let held = false;`,
        replace: `  let held = false;\n  let queued = 0;`,
      },
      {
        file: 'src/core/socket.ts',
        find: `    queue.push(frame);\n    return QUEUED;`,
        replace: `    if (++queued % 20 !== 0) queue.push(frame);\n    return QUEUED;`,
      },
    ],
  },
  {
    name: 'retries 3x later than announced',
    edits: [
      {
        file: 'src/core/machine.ts',
        find: `    arm('retry', ms);`,
        replace: `    arm('retry', ms * 3);`,
      },
    ],
  },
  {
    name: 'no exponential growth of the backoff',
    edits: [
      {
        file: 'src/core/backoff.ts',
        find: `  const grown = policy.baseMs * policy.factor ** Math.max(0, attempt - 1);`,
        replace: `  const grown = policy.baseMs;`,
      },
    ],
  },
  {
    name: 'an acknowledgement ignored',
    edits: [
      {
        file: 'src/delivery/delivery.ts',
        find: `        acknowledge(ack);`,
        replace: `        // the acknowledgement is ignored`,
      },
    ],
  },
  {
    name: 'a replayed message delivered twice (resume point not advanced)',
    edits: [
      {
        file: 'src/delivery/delivery.ts',
        find: `      lastSeen = seq;\n      store?.seen(seq);`,
        replace: `      store?.seen(seq);`,
      },
    ],
  },
  {
    name: 'a resend under a new id',
    edits: [
      {
        file: 'src/delivery/delivery.ts',
        find: `      if (given.length > 0) changed();\n      return again;`,
        replace: `      if (given.length > 0) changed();\n      return again.map((frame) => {\n        const seq = ++nextSeq;\n        return { ...frame, seq, text: frame.text.replace(\`"seq":\${frame.seq}\`, \`"seq":\${seq}\`) };\n      });`,
      },
    ],
  },
];

interface Outcome {
  readonly name: string;
  /** `caught`: the soak failed by its claims; `survived`: it passed; `broken`: neither. */
  readonly verdict: 'caught' | 'survived' | 'broken' | 'passed';
  readonly claims: string[];
  readonly seconds: number;
  readonly log: string;
}

/** Copies what the soak needs into a fresh directory; `node_modules` is linked, not copied. */
function copyTree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sockguard-mutant-'));
  cpSync(path.join(root, 'src'), path.join(dir, 'src'), { recursive: true });
  cpSync(path.join(root, 'test/chaos'), path.join(dir, 'test/chaos'), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json'])
    cpSync(path.join(root, file), path.join(dir, file));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Applies a mutant's edits; throws when a spot is missing or not unique. */
function plant(dir: string, mutant: Mutant): void {
  for (const edit of mutant.edits) {
    const file = path.join(dir, edit.file);
    const text = readFileSync(file, 'utf8');
    const found = text.split(edit.find).length - 1;
    if (found !== 1) {
      throw new Error(
        `mutant "${mutant.name}": the spot to rewrite was found ${found} times in ${edit.file} (expected once): the code changed, update test/chaos/mutants.ts\n--- spot ---\n${edit.find}`,
      );
    }
    writeFileSync(
      file,
      text.replace(edit.find, () => edit.replace),
    );
  }
}

const running = new Set<ChildProcess>();

function runSoak(dir: string): Promise<{ code: number | null; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'test/chaos/vitest.config.ts',
        'test/chaos/soak.test.ts',
      ],
      { cwd: dir, env: { ...process.env, CHAOS_SOAK: 'short', NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      output += `\n[mutants] killed after ${RUN_TIMEOUT_MS} ms: the soak hung\n`;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The names of the failed claims in a soak's output (from the figures' marker lines). */
function failedClaims(output: string): string[] {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const at = line.indexOf(FAILED_MARK);
    if (at === -1) continue;
    const list = line.slice(at).split('): ').slice(1).join('): ');
    const mode = /\(delivery (on|off)/.exec(line)?.[1] ?? '?';
    for (const part of list.split(' | ')) {
      const name = part.split(' [')[0]?.trim();
      if (name) names.add(`${name} (delivery ${mode})`);
    }
  }
  return [...names];
}

async function judge(mutant: Mutant | null, logs: string): Promise<Outcome> {
  const name = mutant?.name ?? 'no planted bug (the soak must pass)';
  const dir = copyTree();
  try {
    if (mutant) plant(dir, mutant);
    const { code, output, seconds } = await runSoak(dir);
    const claims = failedClaims(output);
    const log = path.join(logs, `${(mutant?.name ?? 'baseline').replace(/\W+/g, '-')}.log`);
    writeFileSync(log, output);
    let verdict: Outcome['verdict'];
    if (mutant === null) verdict = code === 0 ? 'passed' : 'broken';
    else if (code === 0) verdict = 'survived';
    else verdict = claims.length > 0 ? 'caught' : 'broken';
    return { name, verdict, claims, seconds, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const jobs = Math.max(
    1,
    Number(process.env.CHAOS_MUTANT_JOBS ?? Math.min(2, availableParallelism())),
  );
  const logs = mkdtempSync(path.join(tmpdir(), 'sockguard-mutant-logs-'));
  // Every mutant's spots are checked before anything runs: a stale mutant fails at once.
  for (const mutant of MUTANTS) {
    const dir = copyTree();
    try {
      plant(dir, mutant);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // CHAOS_MUTANT=<part of a name> runs only the matching mutants (and the unmutated copy).
  const only = process.env.CHAOS_MUTANT;
  const picked = only ? MUTANTS.filter((m) => m.name.includes(only)) : MUTANTS;
  const queue: Array<Mutant | null> = [null, ...picked];
  const outcomes: Outcome[] = [];
  console.log(`[mutants] ${picked.length} planted bugs and an unmutated copy, ${jobs} at a time`);
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const outcome = await judge(next, logs);
      outcomes.push(outcome);
      const claims = outcome.claims.length > 0 ? `: ${outcome.claims.join('; ')}` : '';
      console.log(
        `[mutants] ${outcome.verdict.toUpperCase()} ${outcome.name} (${outcome.seconds.toFixed(0)} s)${claims}`,
      );
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));

  const bad = outcomes.filter((o) => o.verdict === 'survived' || o.verdict === 'broken');
  console.log(`\nMUTATION RUN ${((Date.now() - started) / 1000).toFixed(0)} s, ${jobs} at a time`);
  const order = [null, ...MUTANTS].map((m) => m?.name ?? 'no planted bug (the soak must pass)');
  const ranked = [...outcomes].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const o of ranked) {
    console.log(
      `  ${o.verdict.padEnd(8)} ${o.name}${o.claims.length > 0 ? ` ← ${o.claims.join('; ')}` : ''}`,
    );
  }
  if (bad.length > 0) {
    for (const o of bad) {
      const why =
        o.verdict === 'survived'
          ? 'SURVIVED: the soak passed with this bug planted'
          : o.name.startsWith('no planted bug')
            ? 'the soak FAILS WITHOUT A PLANTED BUG, so its failures prove nothing'
            : 'the soak failed without failing a claim (crash, hang or transform error)';
      console.log(`\n[mutants] ${o.name}: ${why}. Log: ${o.log}`);
    }
    return 1;
  }
  rmSync(logs, { recursive: true, force: true });
  console.log(`[mutants] every planted bug was caught`);
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
