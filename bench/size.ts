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

/** The target for everything `sockguard` + `sockguard/react` export, own code, min+gz. */
export const OWN_CODE_BUDGET_BYTES = 6 * 1024;
/** The core redesign's target (issue 10) for the typical import, own code, min+gz (production). */
export const TYPICAL_TARGET_BYTES = 9 * 1024;
/**
 * What CI enforces on everything exported (production): the size measured when the check last
 * moved plus about 5 %. It was 15,500 (14.7 KB measured); the package round (issue 13) measured
 * 17.2 KB; the core redesign, delivery and tabs measured 25.5 KB (25,470 bytes), and the budget is
 * that plus about 5 %. The size pass of issue 10 (development-only code left out of production
 * builds, shared helpers) took that entry to 24,610 bytes; the rest of issue 14 (exactly once
 * across a handover with delivery, faults kept in the asking tab, `socket.delivery` in every tab,
 * the hung-leader probe and steal: +2.7 KB, all inside `shareTabs()`, which apps that do not
 * import it do not ship) measured 27,371 (27,790 once handed frames wait for their number to be
 * heard); the budget is 27,371 plus about 5 %. Issue 19's client half (the client checks the
 * server, sessions bound to their user, endSession(), known tokens redacted, maxUnacked; +1,975
 * bytes, about 1.4 KB of it inside `delivery()` and `shareTabs()`) measured 29,821: the budget is
 * that plus about 5 %. The 6 KB target above is still missed; this catches growth.
 */
export const REGRESSION_BUDGET_BYTES = 31_300;
/**
 * What CI enforces on the typical import (production): 18,784 bytes measured after the size pass
 * of issue 10 (19,627 before it), plus about 5 %. The 9 KB target is missed: most of the bytes are
 * the connection machine and its runner, which carry the behaviour the issue asks for.
 */
export const TYPICAL_REGRESSION_BUDGET_BYTES = 19_700;

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

/** What a typical app imports (issue 10): the socket, the provider and three hooks. */
export const TYPICAL_ENTRY: SizeEntry = {
  name: 'typical app import (own code)',
  source: `export { createSocket } from './src/index.ts'; export { SocketProvider, useSocket, useSocketMessage, useErrorToasts } from './src/react/index.ts';`,
  external: OWN,
};

const CORE_ENTRY: SizeEntry = {
  name: 'sockguard (core entry, own code)',
  source: `export * from './src/index.ts';`,
  external: OWN,
};

/** sockguard's entries, measured in both modes. */
const ownEntries: readonly SizeEntry[] = [CORE_ENTRY, OWN_ENTRY, TYPICAL_ENTRY];

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
  ['protocol', (path) => path.startsWith('src/protocol/')],
  ['error store', (path) => path.startsWith('src/core/error-store/')],
  ['react', (path) => path.startsWith('src/react/')],
  ['delivery + tabs', (path) => /^src\/core\/(?:delivery|tabs)\//.test(path)],
  ['machine', (path) => /^src\/core\/(?:machine|state|fault-policy)\.ts$/.test(path)],
  ['socket', (path) => path.startsWith('src/core/')],
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
  const metOwn = own.gzip <= OWN_CODE_BUDGET_BYTES ? 'met' : 'MISSED';
  const metTypical = typical.gzip <= TYPICAL_TARGET_BYTES ? 'met' : 'MISSED';
  return (
    `size: own code ${kb(own.gzip)} min+gz (target ${kb(OWN_CODE_BUDGET_BYTES)}: ${metOwn}); ` +
    `typical import ${kb(typical.gzip)} (target ${kb(TYPICAL_TARGET_BYTES)}: ${metTypical})`
  );
}
