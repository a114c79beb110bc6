// The weight of a build's JavaScript, as the bench measures it: each file gzipped at level 9.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Minified and gzipped bytes of every .js file under `dir`, summed. */
export function jsBytes(dir) {
  let min = 0;
  let gzip = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    if (!String(entry).endsWith('.js')) continue;
    const code = readFileSync(path.join(dir, String(entry)));
    min += code.length;
    gzip += gzipSync(code, { level: 9 }).length;
  }
  return { min, gzip };
}
