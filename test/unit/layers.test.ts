// @vitest-environment node
/**
 * The layers depend one way, and features plug in from outside the core: every import of every
 * source file (type-only imports included) is read and checked against the table below, and no
 * two files may need each other, directly or round a circle. A core file that imports a feature,
 * even for a type, fails here, so the 18-file circle of the old core cannot come back.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'src');

/** The layer of a source file (by folder), or undefined for an entry point. */
function layerOf(file: string): string | undefined {
  const rel = path.relative(src, file).split(path.sep);
  if (rel.length === 1) return undefined; // src/index.ts, src/schemas.ts: entries re-export
  return rel[0];
}

/**
 * What each layer may import. `protocol` is pure; `core` knows no feature and no framework;
 * features build on core; the React layer is on top; the server and the testing kit speak the
 * protocol only.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  protocol: ['protocol'],
  core: ['protocol', 'core'],
  request: ['protocol', 'core', 'request'],
  validate: ['protocol', 'core', 'validate'],
  delivery: ['protocol', 'core', 'delivery'],
  // Tab sharing on a SharedWorker (issue 21): the hub runs requests on its socket with
  // `request()`, and a tab answers `request(socket, ...)` through the request module's
  // OWN_REQUEST key; the hub makes the shared socket's delivery from the tabs' options.
  // With a durable outbox the hub shows the socket's outbox to the tabs (`outboxOf`, the part of
  // it that `sockguard` exports): the outbox itself is the worker file's to give.
  worker: ['protocol', 'core', 'delivery', 'request', 'outbox', 'worker'],
  // The durable outbox (issue 22): delivery's store, plugged in from outside delivery (which names
  // only the store's shape, its own type).
  outbox: ['protocol', 'core', 'delivery', 'outbox'],
  react: ['protocol', 'core', 'delivery', 'outbox', 'react'],
  server: ['protocol', 'server'],
  // The testing kit plays a server: it builds error envelopes and close reasons with the
  // server's pure helpers, so both write the same frames.
  testing: ['protocol', 'server', 'testing'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.tsx?$/.test(name) && !/\.test(-d)?\.tsx?$/.test(name) ? [file] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The source files a file imports (relative imports only; packages are checked by bundling). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec === undefined || !spec.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
    for (const candidate of [`${target}.ts`, `${target}.tsx`, path.join(target, 'index.ts')]) {
      try {
        if (statSync(candidate).isFile()) {
          found.push(candidate);
          break;
        }
      } catch {
        // Not this extension: try the next one.
      }
    }
  }
  return found;
}

const files = sources(src);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const short = (file: string) => path.relative(root, file);

describe('layers', () => {
  it('reads the whole tree (a sanity check of the parser)', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(graph.get(path.join(src, 'core/socket.ts'))).toContain(
      path.join(src, 'core/machine.ts'),
    );
  });

  it('every import goes down a layer or stays in its own (no core file names a feature)', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const layer = layerOf(file);
      if (layer === undefined) continue;
      const allowed = ALLOWED[layer];
      expect(allowed, `no rule for the layer of ${short(file)}`).toBeDefined();
      for (const target of targets) {
        const to = layerOf(target);
        if (to !== undefined && !allowed?.includes(to))
          wrong.push(`${short(file)} -> ${short(target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no React import below the React layer; zustand only in the error store and its hooks', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const layer = layerOf(file);
      if (layer !== 'react' && /from ['"]react(?:-dom)?(?:\/[^'"]*)?['"]/.test(text))
        wrong.push(short(file));
      const store = file.includes(`${path.sep}error-store${path.sep}`) || layer === 'react';
      if (/from ['"]zustand/.test(text) && !store) wrong.push(short(file));
    }
    expect(wrong).toEqual([]);
  });

  it('Node built-ins and globals only in the server: the browser layers build without Node types', () => {
    // tsconfig.build.json builds with Node's types (the server needs node:crypto), so the compiler
    // no longer catches a browser file reaching for Node: this does.
    const wrong: string[] = [];
    for (const file of files) {
      if (layerOf(file) === 'server') continue;
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
      if (/from ['"]node:|require\(['"]node:|\bBuffer\.|\bglobal\./.test(text))
        wrong.push(short(file));
      // `process` only behind a local declaration (the NODE_ENV guard bundlers fold away).
      if (/\bprocess\.\w/.test(text) && !/declare const process/.test(text))
        wrong.push(short(file));
    }
    expect(wrong).toEqual([]);
  });

  it('no import circle, however long', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const trail: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      trail.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open')
          circles.push(trail.slice(trail.indexOf(next)).map(short).join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      trail.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });
});
