// @vitest-environment node
/**
 * The test examples of README.md and docs/testing.md run in CI as test files of their own; this
 * holds each page's block to the text of the file that runs it, so the page cannot drift from the
 * code. A block's imports of `sockguard` entries are the file's imports of src/ (in any order); the
 * rest of the block must be in the file as it is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The ```ts block of `page` that contains `marker`. */
function blockOf(page: string, marker: string): string {
  const blocks = [...read(page).matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  const found = blocks.filter((block) => block.includes(marker));
  expect(found, `${page}: one block with ${JSON.stringify(marker)}`).toHaveLength(1);
  return found[0] as string;
}

/** A page's import of a package entry, as a test file in test/unit imports it from src/. */
const fromSource = (line: string) =>
  line
    .replace(/'sockguard'/, "'../../src/index.js'")
    .replace(/'sockguard\/(\w+)'/, "'../../src/$1/index.js'");

const CASES = [
  {
    page: 'README.md',
    marker: 'sends the user to /login',
    file: 'test/unit/readme-auth-redirect.test.ts',
  },
  {
    page: 'docs/testing.md',
    marker: 'sends the user to /login',
    file: 'test/unit/readme-auth-redirect.test.ts',
  },
  {
    page: 'docs/testing.md',
    marker: 'keeps a note pending',
    file: 'test/unit/testing-delivery-example.test.ts',
  },
] as const;

describe('the test examples of the docs', () => {
  it.each(CASES)('$page ("$marker") is the code of $file', ({ page, marker, file }) => {
    const block = blockOf(page, marker).split('\n');
    const code = read(file);
    const lines = code.split('\n');
    const imports = block.filter((line) => line.startsWith('import '));
    expect(imports.length).toBeGreaterThan(0);
    for (const line of imports) expect(lines).toContain(fromSource(line));
    const body = block.slice(block.findLastIndex((line) => line.startsWith('import ')) + 1);
    expect(code).toContain(body.join('\n'));
    if (block[0]?.startsWith('// @vitest-environment')) expect(lines[0]).toBe(block[0]);
  });
});
