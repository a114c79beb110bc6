// node scripts/screenshot.mjs: docs/playground.png, the failure playground after its play function
// clicked through the failures, from a static Storybook build in headless Debian Chromium.
//   SB_DIR=<dir>   use an existing build instead of building one into a temp directory
//   OUT=<file>     where to write the PNG (default docs/playground.png)
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath, hasChromium, installHint } from './chromium.mjs';

const STORY = 'demo-failureplayground--clicks-through-failures';
const out = path.resolve(process.env.OUT ?? 'docs/playground.png');

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

const root = build();
const { server, base } = await serve(root);
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  const page = await browser.newPage({
    viewport: { width: 1080, height: 720 },
    deviceScaleFactor: 1,
  });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${base}/iframe.html?id=${STORY}&viewMode=story`);
  // The story's play function clicks through the failures; wait until it has finished.
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
} finally {
  await browser.close();
  server.close();
}
