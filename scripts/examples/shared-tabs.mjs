// One connection for all tabs, as an app built from the tarball does it: two pages of one browser
// context load the page whose socket uses `shareTabs({ worker })`, and the test server (which
// numbers every WebSocket it accepts and records every `chat` a client sends, with the number of
// the connection it came on) says what crossed the network.
import { getBrowser, TIMEOUT_MS, watchPage } from './browser.mjs';
import { StepError } from './proc.mjs';
import { watchSharedWorkers } from './shared-worker-watch.mjs';

/**
 * A tab decides its worker is dead after 1.25 x its 2000 ms limit of silence (src/worker/tab.ts)
 * and starts a new one, on a new connection. Watching page 2 this long after page 1 closed, so a
 * worker that went with page 1 shows as a second connection or a status other than `open`.
 */
const AFTER_CLOSE_WATCH_MS = 4000;

/**
 * Opens `appUrl` in two pages of one context and proves they share one WebSocket: the server
 * holds one connection, both pages show `open`, a server broadcast shows in both, a send from
 * page 2 reaches the server once; page 1 closed, page 2 stays `open` on that same connection and
 * still sends and receives. No console error in either page or in the SharedWorker. `control` is
 * the test server's HTTP base URL. Throws a StepError naming the first check that failed.
 */
export async function checkSharedTabs({ appUrl, control, step }) {
  const browser = await getBrowser();
  const watch = await watchSharedWorkers(browser, new URL(appUrl).origin);
  const context = await browser.newContext();
  const pages = [];
  const problems = [];
  const consoleLines = [];

  const stats = async () => (await fetch(`${control}/stats`)).json();
  const post = async (action) => (await fetch(`${control}/${action}`, { method: 'POST' })).json();

  const expect = async (what, wait) => {
    try {
      await wait();
      console.log(`  ok: ${what}`);
    } catch (error) {
      const texts = await Promise.all(
        pages
          .filter((page) => !page.isClosed())
          // <main>: the app, without the text of the inline scripts around it (Next.js has long ones).
          .map((page) =>
            page
              .locator('main')
              .textContent()
              .catch(() => '(unreadable)'),
          ),
      );
      const seen = [...consoleLines, ...watch.consoleLines].join('\n    ') || '(empty)';
      throw new StepError(
        `${what}: ${error.message.split('\n')[0]}\n  server: ${JSON.stringify(await stats().catch(() => '?'))}` +
          `\n  pages' text: ${JSON.stringify(texts)}\n  console:\n    ${seen}`,
      );
    }
  };
  /** Polls `check` (which throws until it holds) until it holds or `timeoutMs` passes. */
  const until = async (check, timeoutMs = TIMEOUT_MS) => {
    const started = Date.now();
    for (;;) {
      try {
        return await check();
      } catch (error) {
        if (Date.now() - started > timeoutMs) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const status = (page) => page.getByTestId('status').textContent();
  const statusOpen = (page) =>
    page.waitForFunction(
      () => document.querySelector('[data-testid="status"]')?.textContent === 'open',
    );
  const shows = (page, text) =>
    page.getByTestId('messages').getByText(`server: ${text}`, { exact: true }).waitFor();
  const say = async (page, text) => {
    await page.getByLabel('Message').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };
  /** The server's record of `text`: every `chat` saying it, with its connection's number. */
  const arrivals = async (text) => (await stats()).chats.filter((chat) => chat.text === text);
  const oneConnection = async (when) => {
    const { connections, open } = await stats();
    if (connections !== 1 || open !== 1)
      throw new Error(
        `${when}: the server accepted ${connections} connections (${open} open), not 1 (1 open)`,
      );
  };
  const arrivedOnce = async (text) => {
    const found = await until(async () => {
      const got = await arrivals(text);
      if (got.length === 0) throw new Error(`"${text}" never reached the server`);
      return got;
    });
    if (found.length !== 1 || found[0].connection !== 1)
      throw new Error(`"${text}" reached the server as ${JSON.stringify(found)}, not once on 1`);
  };
  const openPage = async (label) => {
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    watchPage(page, { label, consoleLines, problems });
    pages.push(page);
    await page.goto(appUrl, { waitUntil: 'load' });
    return page;
  };

  try {
    step(`Chromium: two pages of one context load ${appUrl}`);
    const page1 = await openPage('page 1');
    await expect('page 1 shows open', () => statusOpen(page1));
    const page2 = await openPage('page 2');
    await expect('page 2 shows open', () => statusOpen(page2));
    await expect('the server holds ONE connection for the two pages', () =>
      oneConnection('two pages open'),
    );
    await expect('one SharedWorker runs it', async () => {
      const workers = watch.workers();
      if (workers.length !== 1 || !workers[0].alive)
        throw new Error(`SharedWorkers of the app: ${JSON.stringify(workers)}, not one alive`);
    });

    await post(`broadcast?text=${encodeURIComponent('to both tabs')}`);
    await expect('a server broadcast shows in page 1', () => shows(page1, 'to both tabs'));
    await expect('a server broadcast shows in page 2', () => shows(page2, 'to both tabs'));

    await say(page2, 'from page 2');
    await expect('a send from page 2 reaches the server once, on that connection', () =>
      arrivedOnce('from page 2'),
    );

    step(`page 1 closes; page 2 watched for ${AFTER_CLOSE_WATCH_MS / 1000} s`);
    await page1.close();
    await expect(
      `page 2 stays open on the same connection for ${AFTER_CLOSE_WATCH_MS / 1000} s`,
      async () => {
        const deadline = Date.now() + AFTER_CLOSE_WATCH_MS;
        while (Date.now() < deadline) {
          const now = await status(page2);
          if (now !== 'open') throw new Error(`page 2's status went ${now}`);
          await oneConnection('after page 1 closed');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    );
    await expect('the SharedWorker outlived page 1', async () => {
      const workers = watch.workers();
      if (workers.length !== 1 || !workers[0].alive)
        throw new Error(`SharedWorkers of the app: ${JSON.stringify(workers)}, not the same one`);
    });
    await post(`broadcast?text=${encodeURIComponent('after page 1 closed')}`);
    await expect('a broadcast still shows in page 2', () => shows(page2, 'after page 1 closed'));
    await say(page2, 'from page 2, alone');
    await expect('a send from page 2 alone reaches the server once, on that connection', () =>
      arrivedOnce('from page 2, alone'),
    );
    await expect('still one connection, and no other chat reached the server', async () => {
      await oneConnection('at the end');
      const { chats } = await stats();
      if (chats.length !== 2) throw new Error(`the server got ${JSON.stringify(chats)}`);
      // The first send had the whole watch to arrive twice; it did not.
      await arrivedOnce('from page 2');
    });
  } finally {
    await context.close();
    await watch.stop();
  }
  problems.push(...watch.problems);
  const warnings = [...consoleLines, ...watch.consoleLines].filter((line) =>
    /\bwarning\b/.test(line),
  );
  if (warnings.length) console.log(`  console warnings (allowed):\n    ${warnings.join('\n    ')}`);
  if (problems.length) throw new StepError(problems.join('\n  '));
  console.log(
    `  ok: no console error in either page or the SharedWorker (${consoleLines.length + watch.consoleLines.length} console lines)`,
  );
}
