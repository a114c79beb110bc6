/**
 * Bundle size: esbuild-minified ESM, gzipped (level 9), of what an app imports. sockguard's own code
 * (react, zustand and zod external) and with zustand and zod bundled, against peers (react
 * external). Each of sockguard's own entries is measured twice: `production`, with
 * `process.env.NODE_ENV` replaced by `"production"` as every app bundler does for a release build
 * (and esbuild does by itself when it minifies for the browser), so development-only code (the
 * "did you mean" of option errors, the accepted range in their text, the conflicting-options
 * warning) is dropped; and `as is`, with nothing replaced (an unbundled import), so that code
 * stays. Budgets apply to production. Also the CI size check (`npm run size`, `size-check.ts`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { kb } from './stats.js';

/**
 * The budgets issue 20 sets for the lean core, production builds, own code, min+gz. Not met yet
 * (13.3 KB typical on 2026-12-07, see README "Size"): `npm run size` prints how far each entry is
 * from its target, and fails only above its ceiling below.
 */
export const BUDGETS = {
  /** createSocket, SocketProvider, useSocket, useSocketMessage, useErrorToasts. */
  typical: 10_240,
  /** The typical import and `request()`. */
  withRequest: 11_264,
  /** The typical import, `request()` and `delivery()`. */
  withDelivery: 13_312,
  /** The same with `indexedDbOutbox()`: issue 22's 2 KB on top of delivery's budget. */
  withOutbox: 15_360,
  /** Everything `sockguard` and `sockguard/react` export, tab sharing included. */
  everything: 24_576,
} as const;

/**
 * The regression ceilings CI enforces (`npm run size` exits 1 above them) while the budgets above
 * are not met: what was measured on 2026-12-07 (last: 13,277 / 14,445 / 17,553 B) plus about
 * 0.5 %; `everything` is within its budget since the Web Locks tab sharing went (23,926 B), so
 * its ceiling is the budget. Raised by what was measured for an asynchronous `backoff` (issue 21:
 * its answer tagged, bounded at 10 s, a rejection handled): +77 / +63 / +73 B. Lower them as the code shrinks; never raise one without saying why in the commit.
 * Under gzip, repeated text is nearly free: a helper that replaces repeats (an effect maker, a
 * shared table row) made these figures larger when tried; only removing unique text pays.
 */
export const CEILINGS = {
  // Raised by exactly the growth an async backoff (asked of a tab over its port, bounded at 10 s)
  // cost on 2026-12-07: +77 / +63 / +73 B.
  typical: 13_422,
  withRequest: 14_583,
  // Also raised for the durable outbox's seam in delivery (delivery/store.ts: the books it reads
  // and sets, the hello held for the restore, a new session kept before sending in it), which
  // costs 417 B to every delivery user.
  // Lowered to what was measured once the worker's takeover of delivery left the pages' plugin.
  withDelivery: 18_042,
  /**
   * Issue 22's outbox: 3,471 B on top of delivery on 2026-12-07, against its 2,048; its IndexedDB
   * storage shrunk by 347 B, then +708 B when it learned to live in a SharedWorker (`shareTabs`):
   * its side in a tab (a send's `durable()` told by the worker, a kept send handed to a new worker
   * by id, the worker's snapshot shown and checked), the fate of a kept send followed by id, and
   * the socket let go without forgetting what is kept. 3,820 B on top of delivery; 3,882 once the
   * view of a snapshot told by the worker (core/mirror.ts) was shared with delivery's view in tabs;
   * +49 B for `holdUntilKept` (a send held off the wire until kept: the worker's outbox); +197 B
   * for the tags of tabs' sends (the worker keeps a send under its tab's tag, and a new worker
   * finds a tag it kept, or acknowledged since, by the ids an ack leaves on the device), which
   * closed the last window for a send processed twice across a worker's crash; +28 B for the
   * list changing once for all the sends one ack settles (it changed once per send, and a
   * SharedWorker posted the whole list to every tab each time: 900 posts, 21.9 MB, for one ack of
   * 300 read-back sends with 3 tabs; now 3 posts, 75 KB). Lowered to 22,175 when the worker's
   * takeover of delivery left the pages' plugin; +45 B for a tab's send known by its tag from the
   * moment it is made (its write on the device under way or failed), with its id on the device
   * told apart, so a live worker a tab took for dead never sends it twice. 22,147 once the
   * IndexedDB storage ran every operation through one reader of the head and rows (-73 B, same
   * contract); +145 B for what a storage reads back checked before the socket resumes under it
   * (an app's storage with a bug could make a send go twice).
   */
  withOutbox: 22_292,
  /**
   * Was the budget (24,576), met by 21 B; raised by 33 B for the durable outbox kept in the worker
   * (its settings on the wire, the hooks of its side in the tab), then by 259 B for delivery's
   * view in every tab (`deliveryOf`, `useDelivery` and `endSession()` in a tab of `shareTabs()`:
   * the worker's snapshot told, checked and shown, core/mirror.ts), then by 61 B for `schemas` in
   * a tab (checked there instead of refused), then by 68 B for a tab dropping what its handlers
   * had already when a new worker replays it (resumed from a durable outbox, whose highest seq seen
   * lags), then by 5 B for the core's `wait` on a frame (a send held off the wire until kept on the
   * device), then by 13 B for a tab's send tagged by its outbox side (the window of a worker
   * crashing between keeping a send and telling the tab), then by 6 B for `request()` handing a
   * tab its reply checker (which took the checker out of the tab side: -329 B for every app of
   * `shareTabs()` that does not import `request`). Nothing smaller was found that does not drop a
   * behaviour. Lowered to 24,768 once production builds of `shareTabs()` dropped its option rules
   * and warnings (-245 B) and the tab checked delivery's snapshot with the wire's checker; to
   * 24,744 when the worker's takeover of delivery left the pages' plugin (`adoptedDelivery`); to
   * 24,711 once a tab's `settled` hook (a test seam) was told in development builds only.
   */
  everything: 24_711,
} as const;

export interface SizeEntry {
  readonly name: string;
  readonly source: string;
  readonly external: readonly string[];
}

/** `production`: NODE_ENV replaced by "production"; `as is`: nothing replaced. */
export type SizeMode = 'production' | 'as is';

// Paths, not `new URL`: under the unit tests' happy-dom, URL is the DOM's, not Node's.
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const REACT = ['react', 'react-dom', 'react/*', 'react-dom/*'];
const OWN = [...REACT, 'zustand', 'zustand/*', 'zod', 'zod/*'];
const BOTH = `export * from './src/index.ts'; export * from './src/react/index.ts';`;

/** The budgeted entry: everything both entry points export, dependencies external. */
export const OWN_ENTRY: SizeEntry = {
  name: 'sockguard + sockguard/react (own code)',
  source: BOTH,
  external: OWN,
};

const TYPICAL = `export { SocketProvider, useSocket, useSocketMessage, useErrorToasts } from './src/react/index.ts'; export { createSocket`;

/** What a typical app imports (issue 10): the socket, the provider and three hooks. */
export const TYPICAL_ENTRY: SizeEntry = {
  name: 'typical app import (own code)',
  source: `${TYPICAL} } from './src/index.ts';`,
  external: OWN,
};

/** The typical import and request/response. */
export const REQUEST_ENTRY: SizeEntry = {
  name: 'typical + request() (own code)',
  source: `${TYPICAL}, request } from './src/index.ts';`,
  external: OWN,
};

/** The typical import, request/response and delivery. */
export const DELIVERY_ENTRY: SizeEntry = {
  name: 'typical + request() + delivery() (own code)',
  source: `${TYPICAL}, request, delivery } from './src/index.ts';`,
  external: OWN,
};

/** The typical import, request/response, delivery and its durable outbox (issue 22). */
export const OUTBOX_ENTRY: SizeEntry = {
  name: 'typical + request() + delivery() + outbox (own code)',
  source: `${TYPICAL}, request, delivery, outboxOf } from './src/index.ts'; export { indexedDbOutbox, durable } from './src/outbox/index.ts'; export { useOutbox } from './src/react/index.ts';`,
  external: OWN,
};

/** Each budgeted entry with its budget. */
export const BUDGETED: ReadonlyArray<readonly [entry: SizeEntry, budget: number, ceiling: number]> =
  [
    [TYPICAL_ENTRY, BUDGETS.typical, CEILINGS.typical],
    [REQUEST_ENTRY, BUDGETS.withRequest, CEILINGS.withRequest],
    [DELIVERY_ENTRY, BUDGETS.withDelivery, CEILINGS.withDelivery],
    [OUTBOX_ENTRY, BUDGETS.withOutbox, CEILINGS.withOutbox],
    [OWN_ENTRY, BUDGETS.everything, CEILINGS.everything],
  ];

const CORE_ENTRY: SizeEntry = {
  name: 'sockguard (core entry, own code)',
  source: `export * from './src/index.ts';`,
  external: OWN,
};

/** The typical import with tab sharing: the tab side of `shareTabs()` is this minus typical. */
export const TABS_ENTRY: SizeEntry = {
  name: 'typical + shareTabs() (own code)',
  source: `${TYPICAL}, shareTabs } from './src/index.ts';`,
  external: OWN,
};

/**
 * The SharedWorker's script, `serveSharedSocket()`: its own file, which the app's bundler builds
 * with zustand inside (a worker shares no chunk with the page).
 */
export const WORKER_ENTRY: SizeEntry = {
  name: 'worker script: sockguard/worker (+ zustand)',
  source: `import { serveSharedSocket } from './src/worker/index.ts'; serveSharedSocket();`,
  external: REACT,
};

/** sockguard's entries, measured in both modes. */
const ownEntries: readonly SizeEntry[] = [
  CORE_ENTRY,
  OWN_ENTRY,
  TYPICAL_ENTRY,
  REQUEST_ENTRY,
  DELIVERY_ENTRY,
  OUTBOX_ENTRY,
  TABS_ENTRY,
  WORKER_ENTRY,
];

/** Dependencies bundled, and peers: measured once, production. */
const otherEntries: readonly SizeEntry[] = [
  { name: 'sockguard + sockguard/react (+ zustand, zod)', source: BOTH, external: REACT },
  { name: 'react-use-websocket', source: `export * from 'react-use-websocket';`, external: REACT },
  { name: 'partysocket', source: `export * from 'partysocket';`, external: REACT },
  {
    name: 'partysocket + partysocket/react',
    source: `export * from 'partysocket'; export * from 'partysocket/react';`,
    external: REACT,
  },
  { name: 'socket.io-client', source: `export * from 'socket.io-client';`, external: REACT },
];

export interface Size {
  /** The minified bundle. */
  readonly text: string;
  readonly min: number;
  readonly gzip: number;
  readonly metafile: Metafile;
}

// esbuild replaces `process.env.NODE_ENV` by itself when it minifies for the browser; defining it
// as itself is how to keep it as written.
const DEFINES: Readonly<Record<SizeMode, Record<string, string>>> = {
  production: { 'process.env.NODE_ENV': '"production"' },
  'as is': { 'process.env.NODE_ENV': 'process.env.NODE_ENV' },
};

export async function measure(entry: SizeEntry, mode: SizeMode = 'production'): Promise<Size> {
  const result = await build({
    stdin: { contents: entry.source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    external: [...entry.external],
    define: DEFINES[mode],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return {
    text: new TextDecoder().decode(code),
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    metafile: result.metafile,
  };
}

/** The inputs that weigh most in the output (minified bytes, before gzip), biggest first. */
export function contributors(metafile: Metafile, top = 12): Array<[path: string, bytes: number]> {
  const output = Object.values(metafile.outputs)[0];
  if (!output) return [];
  return Object.entries(output.inputs)
    .map(([path, input]): [string, number] => [path, input.bytesInOutput])
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
}

/** Minified bytes by folder (`src/core`, `src/protocol`, `src/react`, ...), biggest first. */
export function byFolder(metafile: Metafile): Array<[folder: string, bytes: number]> {
  const totals = new Map<string, number>();
  for (const [path, bytes] of contributors(metafile, Number.POSITIVE_INFINITY)) {
    const folder = path.split('/').slice(0, -1).join('/') || path;
    totals.set(folder, (totals.get(folder) ?? 0) + bytes);
  }
  return [...totals].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
}

/**
 * The parts of the library, for the report: the first rule whose test matches a path names its
 * part. The machine is the pure step and its policy; the socket is the runner around it.
 */
const PARTS: ReadonlyArray<readonly [part: string, test: (path: string) => boolean]> = [
  ['protocol: parse', (path) => /^src\/protocol\/(?:envelope|json-walk)\.ts$/.test(path)],
  ['protocol: classify, texts, redact', (path) => path.startsWith('src/protocol/')],
  ['error store', (path) => path.startsWith('src/core/error-store/')],
  ['react', (path) => path.startsWith('src/react/') || path === 'src/core/socket-registry.ts'],
  ['tabs (worker)', (path) => path.startsWith('src/worker/')],
  ['delivery', (path) => /^src\/(?:core\/)?delivery\//.test(path)],
  ['request', (path) => path.startsWith('src/request/')],
  [
    'machine (table, fault policy)',
    (path) => /^src\/core\/(?:machine|fault-policy)\.ts$/.test(path),
  ],
  ['runner (socket.ts)', (path) => path === 'src/core/socket.ts'],
  [
    'options and checks',
    (path) =>
      /^src\/core\/(?:options|option-checks|backoff)\.ts$/.test(path) ||
      path === 'src/protocol/option-checks.ts',
  ],
  ['heartbeat', (path) => path === 'src/core/heartbeat.ts'],
  ['I/O parts', (path) => path.startsWith('src/core/')],
  ['other', () => true],
];

/** Minified bytes by part (see {@link PARTS}), biggest first. */
export function byPart(metafile: Metafile): Array<[part: string, bytes: number]> {
  const totals = new Map<string, number>();
  for (const [path, bytes] of contributors(metafile, Number.POSITIVE_INFINITY)) {
    const part = PARTS.find(([, test]) => test(path))?.[0] ?? 'other';
    totals.set(part, (totals.get(part) ?? 0) + bytes);
  }
  return [...totals].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
}

const line = (name: string, mode: string, size: Size) =>
  `  ${`${name}${mode}`.padEnd(60)} ${kb(size.min).padStart(9)} min  ${kb(size.gzip).padStart(8)} min+gz`;

/**
 * The parts of an entry: minified bytes, share, and the share of the gzipped total (an estimate:
 * gzip does not split by file).
 */
export function printParts(size: Size): void {
  for (const [part, bytes] of byPart(size.metafile)) {
    const share = bytes / size.min;
    console.log(
      `    ${part.padEnd(22)} ${String(bytes).padStart(6)} min  ${(100 * share).toFixed(1).padStart(4)}%  ~${kb(share * size.gzip)} min+gz`,
    );
  }
}

export async function benchSize(): Promise<string> {
  console.log('\nBundle size (esbuild minified ESM, gzip -9; react external)');
  const production = new Map<SizeEntry, Size>();
  for (const entry of ownEntries) {
    for (const mode of ['production', 'as is'] as const) {
      const size = await measure(entry, mode);
      if (mode === 'production') production.set(entry, size);
      console.log(line(entry.name, mode === 'as is' ? ', as is' : '', size));
    }
  }
  for (const entry of otherEntries) console.log(line(entry.name, '', await measure(entry)));
  const own = production.get(OWN_ENTRY);
  const typical = production.get(TYPICAL_ENTRY);
  if (!own || !typical) throw new Error('size: the budgeted entries were not measured');
  console.log('\n  Budgets (production, own code, min+gz):');
  for (const [entry, budget] of BUDGETED) {
    const size = production.get(entry);
    if (!size) continue;
    const state = size.gzip <= budget ? 'within' : `${size.gzip - budget} B over`;
    console.log(
      `    ${entry.name.padEnd(48)} ${String(size.gzip).padStart(6)} B  ${state} its budget of ${budget} B`,
    );
  }
  const tabs = production.get(TABS_ENTRY);
  if (tabs)
    console.log(
      `\n  The tab side of shareTabs(): ${tabs.gzip - typical.gzip} B min+gz on top of the typical import (issue 21 asks at most 2,560)`,
    );
  console.log(`\n  Parts of the ${TYPICAL_ENTRY.name}, production (of ${typical.min} min):`);
  printParts(typical);
  console.log(`\n  Parts of ${OWN_ENTRY.name}, production (of ${own.min} min):`);
  printParts(own);
  console.log(
    `\n  Biggest files of ${OWN_ENTRY.name} (minified bytes before gzip, of ${own.min}):`,
  );
  for (const [path, bytes] of contributors(own.metafile)) {
    console.log(
      `    ${String(bytes).padStart(6)}  ${((100 * bytes) / own.min).toFixed(1).padStart(4)}%  ${path}`,
    );
  }
  const met = (size: Size, budget: number) => (size.gzip <= budget ? 'within' : 'OVER');
  return (
    `size: typical import ${typical.gzip} B min+gz (${met(typical, BUDGETS.typical)} ${BUDGETS.typical}); ` +
    `everything ${own.gzip} B (${met(own, BUDGETS.everything)} ${BUDGETS.everything})`
  );
}
