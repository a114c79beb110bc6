// @vitest-environment node
/**
 * The tab's side is what every tab downloads (issue 21: at most 2.5 KB min+gz on top of the lean
 * core). Built as the issue measures it: esbuild, minified, `process.env.NODE_ENV` "production",
 * core, protocol and request external. The ceiling holds what was reached (see the report of the
 * slice that set it); the prose of the worker's causes must not ship, nor `shareTabs()`'s option
 * checks and warnings.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The ceiling, min+gz bytes, with the lower layers external (3,773 when set; 3,948 with the
 * recovery from a dead worker: port factory, the awake-time death rule, +172 B over 3,776; 4,117
 * with the backoff of new ports for a worker that never starts, +169 B; 4,370 with delivery: its
 * settings on the wire, a send kept until its receipt, `delivered`, the kept sends handed to a new
 * worker, +253 B over 4,117; 4,375 with the work handed over during a backoff wait, or before a
 * refusal, failed; 4,381 with a page going into the back/forward cache failing its sends "may have
 * arrived", without delivery; 4,442 with work held until the port's welcome, so a port the browser
 * connects late never carries it as well as the next one, and with delivery the same on a page
 * into the bfcache; still 4,442 with a `backoff` function answered when the worker asks, its
 * input checked: +35 B, made up by refusals through `refusal()`, the port factory through
 * `isolate`, and a shorter read of a URL answer's `href`; 4,456 with a durable outbox refused
 * naming `delivery.outbox`, which would otherwise be dropped on the way to the worker: +14 B;
 * 4,515 with that outbox kept in the worker instead, its settings on the wire and the hooks of its
 * side in the tab (which is src/outbox's: a send's `durable()` told by the worker, a send kept on
 * the device handed to a new worker by id, the worker's outbox shown in the tab): +59 B; 4,754 with
 * delivery's view in the tab (`deliveryOf`, `useDelivery`, `endSession()` asked of the worker):
 * the worker's snapshot told, checked and shown, +239 B; 4,806 with `schemas` checked in the tab
 * instead of refused, +52 B; 4,887 with a numbered message the tab's handlers had already dropped
 * when a new worker replays it after resuming the session from a durable outbox, +81 B; 4,863
 * with delivery's snapshot checked by the wire's checker instead of a second, hand-written one,
 * delivery's settings and its refusal in one expression, and one list of the page-only options,
 * -24 B: nothing dropped. shareTabs' own file is not in this bundle: its option rules and
 * fallback warnings gone from production, and its brand a type only, saved 229 B more on top of
 * the typical import); 4,839 with `request()` handing the tab its reply checker (the rest of the
 * -309 B is Standard Schema's checker, outside this bundle, which no tab ships without `request`);
 * 4,802 with the `settled` hook (a test seam) told in development builds only, -37 B.
 */
const CEILING = 4802;

/** `file` (of this folder) built for production, minified, what `external` matches left out. */
async function productionBundle(file: string, external: RegExp): Promise<string> {
  const result = await build({
    entryPoints: [new URL(file, import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'external',
        setup(b) {
          b.onResolve({ filter: external }, (a) => ({ path: a.path, external: true }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The tab, the lower layers external. */
const tabBundle = () => productionBundle('./tab.ts', /\/(core|protocol|request)\//);

describe("the tab's side, production build", () => {
  it(`stays under ${CEILING} B min+gz, and carries no cause prose nor the hub's checks`, async () => {
    const code = await tabBundle();
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(CEILING);
    // Codes only (protocol/why.ts is external, the prose is its table).
    expect(code).not.toContain('did not answer');
    expect(code).toContain('"worker_silent"');
    // The `settled` hook is a test seam: development builds only.
    expect(code).not.toContain('settled_hook');
    // The checks of what tabs say are the hub's (a table keyed by the kinds only tabs send).
    expect(code).not.toContain('pong:');
    expect(code).not.toContain('abort:');
    expect(code).toContain('ping:');
  }, 20_000);
});

describe('shareTabs, production build', () => {
  // Its option checks and its fallback warnings are for developers: none of them may ship. Built
  // as the tab is, the tab itself external too: what is left is share-tabs.ts (and what it uses
  // of tab-options.ts).
  it('carries neither its option rules, nor its warnings and their reasons, nor a run-time brand', async () => {
    const code = await productionBundle(
      './share-tabs.ts',
      /\/(core|protocol|request)\/|\.\/tab\.js$/,
    );
    // The warning, its reasons (codes given to why()) and the set of those told.
    expect(code).not.toContain('keeps its own socket');
    expect(code).not.toContain('tabs_no_worker');
    expect(code).not.toContain('tabs_worker_threw');
    expect(code).not.toContain('new Set');
    // The rules of its options and of the tab's settings (a table that read tab-options'
    // SETTINGS kept both before).
    expect(code).not.toContain('workerTimeoutMs');
    expect(code).not.toContain('kind:');
    expect(code).not.toContain('Symbol(');
    // What it does in production is still there: the fallbacks and the tab.
    expect(code).toContain('"SharedWorker"');
    expect(code).toContain('connectTab');
  }, 20_000);
});
