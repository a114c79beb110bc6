// @vitest-environment node
/**
 * docs/protocol.md lists every cause code (what `detail.cause` and `parseFrame`'s `cause` hold in
 * production builds) with its development text. This holds that table to the source: every code
 * of `why-prose.ts` is a row, every row is a code, and each row's text is the code's prose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prose } from '../../src/protocol/why-prose.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The codes of the prose table, read from its source (the table itself is not exported). */
function sourceCodes(): string[] {
  const text = read('src/protocol/why-prose.ts');
  const table = text.slice(
    text.indexOf('const PROSE'),
    text.indexOf('\n};', text.indexOf('const PROSE')),
  );
  return [...table.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1] as string);
}

/** The rows of the "Cause codes" table of docs/protocol.md: code to text. */
function documentedCodes(): Map<string, string> {
  const page = read('docs/protocol.md');
  const start = page.indexOf('### Cause codes');
  const section = page.slice(start, page.indexOf('\n## ', start));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `(\w+)` +\| (.*?) +\|$/gm)) {
    // Markdown escapes (\_, \*) read as the characters they stand for.
    rows.set(match[1] as string, (match[2] as string).replace(/\\(.)/g, '$1'));
  }
  return rows;
}

/** Where the page shortens a text, it says so: the rest must be the source's start. */
const SHORTENED = ' (names the import)';

describe('the cause codes of docs/protocol.md', () => {
  const codes = sourceCodes();
  const rows = documentedCodes();

  it('reads both tables (a sanity check of the readers)', () => {
    expect(codes.length).toBeGreaterThan(40);
    expect(codes).toContain('open_timeout');
    expect(rows.get('open_timeout')).toBe('no open within {0} ms');
  });

  it('lists every code of the source, and no other', () => {
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
  });

  it.each(codes)('gives the development text of %s', (code) => {
    const template = prose(code, ['{0}', '{1}']);
    const text = rows.get(code) ?? '';
    if (text.endsWith(SHORTENED))
      expect(template.startsWith(text.slice(0, -SHORTENED.length))).toBe(true);
    else expect(text).toBe(template);
  });
});
