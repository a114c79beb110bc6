/** The figures of a run as text: per phase and direction, recoveries, memory, timings, claims. */
import { type Direction, total } from './books.js';
import type { RunOptions, RunResult } from './run.js';

const pad = (value: string | number, width: number) => String(value).padStart(width);
const list = (map: ReadonlyMap<string, number>) =>
  map.size === 0 ? '' : ` (${[...map].map(([why, n]) => `${why}: ${n}`).join(', ')})`;

function table(
  phases: readonly string[],
  rows: readonly Direction[],
  columns: ReadonlyArray<[string, (d: Direction) => number]>,
): string[] {
  const width = Math.max(...phases.map((p) => p.length), 5);
  const head = `  ${'phase'.padEnd(width)} ${columns.map(([name]) => pad(name, Math.max(7, name.length))).join(' ')}`;
  const sum = (pick: (d: Direction) => number) => rows.reduce((a, d) => a + pick(d), 0);
  const line = (name: string, pick: (column: (d: Direction) => number) => number) =>
    `  ${name.padEnd(width)} ${columns.map(([label, f]) => pad(pick(f), Math.max(7, label.length))).join(' ')}`;
  return [
    head,
    ...phases.map((phase, p) => line(phase, (f) => f(rows[p] as Direction))),
    line('total', (f) => sum(f)),
  ];
}

export function formatRun(result: RunResult, options: RunOptions, hog: number): string {
  const lines: string[] = [];
  lines.push(
    `\n=== ${result.proxy.kind}: ${options.clients} clients, 3 instance processes, redis-server, one message and one push per client every ${options.everyMs} ms${hog > 0 ? `, CPU hog (${hog} spinners)` : ''} ===`,
  );
  lines.push('client -> server');
  lines.push(
    ...table(result.phases, result.toServer, [
      ['sent', (d) => d.sent],
      ['once', (d) => d.once],
      ['twice', (d) => d.twice],
      ['twice(data loss)', (d) => d.twiceDataLoss],
      ['twice(killed before acked)', (d) => d.twiceKill],
      ['lost+report', (d) => total(d.lostReported)],
      ['lost silently', (d) => total(d.lostSilently)],
      ['no fate', (d) => d.noFate],
      ['out of order', (d) => d.outOfOrder],
      ['processed+rejected', (d) => d.processedRejected],
      ['resync faults', (d) => d.resyncs],
    ]),
  );
  lines.push('server -> client');
  lines.push(
    ...table(result.phases, result.toClient, [
      ['asked', (d) => d.sent],
      ['numbered', (d) => d.numbered],
      ['once', (d) => d.once],
      ['twice', (d) => d.twice],
      ['twice(data loss)', (d) => d.twiceDataLoss],
      ['lost+report', (d) => total(d.lostReported)],
      ['lost silently', (d) => total(d.lostSilently)],
      ['unnumbered', (d) => d.unnumbered],
      ['unnumbered seen', (d) => d.unnumberedSeen],
      ['no answer', (d) => d.noAnswer],
      ['client away', (d) => d.undelivered],
    ]),
  );
  result.phases.forEach((phase, p) => {
    const up = result.toServer[p] as Direction;
    const down = result.toClient[p] as Direction;
    const why = [
      up.lostReported.size > 0 ? `c->s reported${list(up.lostReported)}` : '',
      up.lostSilently.size > 0 ? `c->s silent${list(up.lostSilently)}` : '',
      down.lostSilently.size > 0 ? `s->c silent${list(down.lostSilently)}` : '',
      up.twiceAfter.size > 0 ? `c->s twice${list(up.twiceAfter)}` : '',
      down.twiceAfter.size > 0 ? `s->c twice${list(down.twiceAfter)}` : '',
    ].filter((text) => text !== '');
    if (why.length > 0) lines.push(`  [${phase}] ${why.join('; ')}`);
  });
  lines.push(
    'recovery (ms from the stop/kill, the thaw, or Redis back up; server = the welcome in the instance book, client = its arrival)',
  );
  for (const r of result.recoveries) {
    lines.push(
      `  ${r.name.padEnd(22)} affected ${pad(r.affected, 4)}  recovered ${pad(r.recovered, 4)}  stranded ${pad(r.stranded.length, 4)}  server p50 ${pad(r.serverMs.p50, 6)} max ${pad(r.serverMs.max, 6)}  client p50 ${pad(r.clientMs.p50, 6)} max ${pad(r.clientMs.max, 6)}  ${JSON.stringify(r.outcomes)}`,
    );
  }
  lines.push('memory per instance process (MB: heap used last/peak, rss last/peak; sessions held)');
  for (const m of result.memory) {
    lines.push(
      `  ${m.incarnation.padEnd(6)} heap ${pad(m.heapUsedMb, 6)} / ${pad(m.peakHeapUsedMb, 6)}  rss ${pad(m.rssMb, 6)} / ${pad(m.peakRssMb, 6)}  sessions ${m.sessions}`,
    );
  }
  const faults = new Map<string, number>();
  let refused = 0;
  for (const client of result.clients) {
    refused += client.refusedUpgrades;
    for (const [code, n] of client.faults) faults.set(code, (faults.get(code) ?? 0) + n);
  }
  lines.push(`client faults by code: ${JSON.stringify(Object.fromEntries(faults))}`);
  lines.push(
    `upgrades that never opened: ${refused}; proxy log: ${JSON.stringify(result.proxy.refusals)}`,
  );
  lines.push(`server errors reported: ${JSON.stringify(Object.fromEntries(result.books.errors))}`);
  lines.push(`timings: ${JSON.stringify(result.timings)}`);
  lines.push(
    result.failures.length === 0
      ? 'claims: all hold'
      : `CLAIMS FAILED (${result.failures.length}):\n${result.failures.map((f) => `  - ${f}`).join('\n')}`,
  );
  return lines.join('\n');
}
