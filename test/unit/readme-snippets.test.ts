// @vitest-environment node
/**
 * Every TypeScript block of README.md compiles against the code as it is now: each ```ts and
 * ```tsx block is a module of its own, its `sockguard` imports resolved to src/, typechecked with
 * the project's strict settings. A snippet that calls an API that changed or went away (say
 * `socket.request(...)`) fails here with the README line it is on. The docs' blocks that import
 * something are checked the same way (the others are signatures). The names a snippet leaves to
 * the reader (`url`, `getToken()`, ...) are declared once, below. docs/extensions.md's example is
 * held to a compiled file by docs-extension-example.test.ts instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What the README's snippets take from the app around them. */
const PRELUDE = `
declare const url: string;
declare function getToken(): Promise<string>;
declare function renewToken(): Promise<void>;
declare function renderToasts(toasts: readonly unknown[]): void;
declare const api: { logout(): Promise<void> };
declare const me: { id: string };
declare function userOf(request: import('node:http').IncomingMessage): { id: string } | undefined;
declare function isValid(token: string | null): boolean;
declare function tooMany(socket: unknown): boolean;
declare function saveMessage(data: unknown): Promise<void>;
declare const log: { warn(...args: unknown[]): void };
declare function unsubscribeAll(session: unknown): void;
declare function authenticate(request: import('node:http').IncomingMessage): { id: string } | undefined;
declare const sessionId: string;
declare const onMessage: import('sockguard/server').SessionServerOptions['onMessage'];
declare module 'next/navigation' {
  export function useRouter(): { replace(href: string): void; push(href: string): void };
}
`;

interface Snippet {
  /** The README line its code starts on. */
  readonly line: number;
  readonly file: string;
  readonly code: string;
}

/** The ```ts and ```tsx blocks of a markdown text (indented ones too, as in a list). */
function snippetsOf(markdown: string, name: string): Snippet[] {
  const found: Snippet[] = [];
  for (const match of markdown.matchAll(/^( *)```(tsx?)\n([\s\S]*?)^\1```$/gm)) {
    const [, indent = '', ext, body = ''] = match;
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    const code = body
      .split('\n')
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    found.push({
      line,
      file: path.join(root, `.snippets/${name.replace(/\W/g, '-')}-${line}.${ext}`),
      code,
    });
  }
  return found;
}

/** Type errors of the snippets, each as `README.md:<line>: <message>`. */
function typeErrors(snippets: readonly Snippet[], source: string): string[] {
  const prelude = path.join(root, '.snippets/prelude.d.ts');
  const virtual = new Map<string, string>([
    [prelude, PRELUDE],
    ...snippets.map((s) => [s.file, s.code] as const),
  ]);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    jsx: ts.JsxEmit.ReactJSX,
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
    baseUrl: root,
    // What an app installs, resolved to the source: the package's own entries.
    paths: { sockguard: ['src/index.ts'], 'sockguard/*': ['src/*/index.ts', 'src/*.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => virtual.has(file) || fileExists.call(host, file);
  host.readFile = (file) => virtual.get(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, language, onError, create) => {
    const text = virtual.get(file);
    return text === undefined
      ? getSourceFile.call(host, file, language, onError, create)
      : ts.createSourceFile(file, text, language, true);
  };
  const program = ts.createProgram([prelude, ...snippets.map((s) => s.file)], options, host);
  const errors: string[] = [];
  for (const snippet of snippets) {
    const file = program.getSourceFile(snippet.file);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ];
    for (const d of diagnostics) {
      const at =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      const line = snippet.line + (at?.line ?? 0);
      errors.push(`${source}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return errors;
}

describe.each([
  'docs/react.md',
  'docs/testing.md',
  'docs/server.md',
  'docs/error-store.md',
  'docs/protocol.md',
])('%s', (page) => {
  // Pages hold signatures too: a block is a module to check when it imports something.
  const snippets = snippetsOf(readFileSync(path.join(root, page), 'utf8'), page).filter((s) =>
    /^import /m.test(s.code),
  );

  it('every TypeScript snippet that imports compiles against the code as it is', {
    timeout: 120_000,
  }, () => {
    expect(typeErrors(snippets, page)).toEqual([]);
  });
});

describe('README.md', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const snippets = snippetsOf(readme, 'readme');

  it('has TypeScript snippets to check (the block reader works)', () => {
    expect(snippets.length).toBeGreaterThan(8);
    expect(snippets.some((s) => s.code.includes('createSocket('))).toBe(true);
  });

  it('every TypeScript snippet compiles against the code as it is', { timeout: 120_000 }, () => {
    expect(typeErrors(snippets, 'README.md')).toEqual([]);
  });
});
