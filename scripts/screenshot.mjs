// node scripts/screenshot.mjs [name...]: a story after its play function finished, from a static
// Storybook build in headless Debian Chromium. Names (default: playground):
//   playground     docs/playground.png, the failure playground after it clicked through the failures
//   outbox         docs/outbox.png, the outbox story after the reload: the kept notes delivered once
//   SB_DIR=<dir>   use an existing build instead of building one into a temp directory
//   OUT=<file>     where to write the PNG (one name only; default the name's docs/<name>.png)
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath, hasChromium, installHint } from './chromium.mjs';

const SHOTS = {
  playground: {
    story: 'demo-failureplayground--clicks-through-failures',
    out: 'docs/playground.png',
  },
  outbox: { story: 'demo-outbox--survives-a-reload', out: 'docs/outbox.png' },
};
const names = process.argv.slice(2);
if (names.length === 0) names.push('playground');
for (const name of names) {
  if (!Object.hasOwn(SHOTS, name)) {
    console.error(`No screenshot named "${name}" (${Object.keys(SHOTS).join(', ')}).`);
    process.exit(1);
  }
}
if (process.env.OUT && names.length > 1) {
  console.error('OUT names one file: give one screenshot name with it.');
  process.exit(1);
}

if (!hasChromium()) {
  console.error(`No Chromium at ${chromiumPath}.\n${installHint}`);
  process.exit(1);
}

function build() {
  if (process.env.SB_DIR) return path.resolve(process.env.SB_DIR);
  const dir = mkdtempSync(path.join(tmpdir(), 'sockguard-sb-'));
  console.log(`building Storybook into ${dir}`);
  const result = spawnSync('npx', ['storybook', 'build', '--quiet', '-o', dir], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return dir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A static file server on 127.0.0.1, a free port (msw's service worker needs http, not file:). */
async function serve(root) {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const file = path.join(
      root,
      path.normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, ''),
    );
    const target =
      existsSync(file) && statSync(file).isDirectory() ? path.join(file, 'index.html') : file;
    if (!target.startsWith(root) || !existsSync(target)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream',
    });
    createReadStream(target).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

/** Opens `story`, waits until its play function finished, and writes its root to `out`. */
async function shoot(story, out) {
  const page = await browser.newPage({
    viewport: { width: 1080, height: 720 },
    deviceScaleFactor: 1,
  });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${base}/iframe.html?id=${story}&viewMode=story`);
  // Wait until the story's play function has finished.
  const phase = await page.waitForFunction(
    () => {
      const render = Reflect.get(window, '__STORYBOOK_PREVIEW__')?.currentRender;
      return ['completed', 'finished', 'errored'].includes(render?.phase) ? render.phase : false;
    },
    undefined,
    { timeout: 60_000, polling: 100 },
  );
  if ((await phase.jsonValue()) === 'errored') throw new Error('the play function failed');
  // Unfocus the last clicked button, and let the attempt counter reset (the socket's minUptimeMs).
  await page.evaluate(
    () => document.activeElement instanceof HTMLElement && document.activeElement.blur(),
  );
  await page.waitForTimeout(1200);
  await page.locator('#storybook-root').screenshot({ path: out });
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  await page.close();
}

const root = build();
const { server, base } = await serve(root);
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  for (const name of names) {
    const { story, out: file } = SHOTS[name];
    await shoot(story, path.resolve(process.env.OUT ?? file));
  }
} finally {
  await browser.close();
  server.close();
}
