// @vitest-environment node
/**
 * React Server Components (Next.js `app/`) run a module with hooks or context on the server unless
 * it starts with `'use client'`, and `createContext` there breaks the build. The entry itself has
 * no directive, so its plain functions stay callable from server components.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const dir = path.dirname(fileURLToPath(import.meta.url));
const modules = readdirSync(dir).filter(
  (name) => /\.tsx?$/.test(name) && !/\.test(-d)?\.tsx?$/.test(name) && !name.startsWith('test-'),
);
const source = (name: string) => readFileSync(path.join(dir, name), 'utf8');
/** A value import (not `import type`) from React or zustand's React binding: hooks or context. */
const usesReact = (text: string) => /^import (?!type )[^;]*from '(react|zustand)';/m.test(text);
const startsWithDirective = (text: string) => {
  const first = ts.createSourceFile('m.tsx', text, ts.ScriptTarget.Latest).statements[0];
  return (
    first !== undefined &&
    ts.isExpressionStatement(first) &&
    ts.isStringLiteral(first.expression) &&
    first.expression.text === 'use client'
  );
};

describe("'use client'", () => {
  const client = modules.filter((name) => usesReact(source(name)));

  it('finds the hook modules', () => {
    expect(client).toEqual(expect.arrayContaining(['context.tsx', 'use-socket.ts']));
  });

  it.each(client)('%s starts with the directive', (name) => {
    expect(startsWithDirective(source(name))).toBe(true);
  });

  it('the compiled JavaScript keeps it as its first statement', () => {
    const { outputText } = ts.transpileModule(source('context.tsx'), {
      compilerOptions: { jsx: ts.JsxEmit.ReactJSX, module: ts.ModuleKind.ESNext },
    });
    expect(outputText.startsWith("'use client';")).toBe(true);
  });

  it('the entry and the plain modules have none, so servers can call them', () => {
    for (const name of ['index.ts', 'create-socket-hooks.ts', 'default-registry.ts']) {
      expect(startsWithDirective(source(name))).toBe(false);
    }
  });
});
