// Playwright sees pages, dedicated workers and service workers, but not SharedWorkers: this watches
// them over the Chrome DevTools Protocol of the whole browser. Each SharedWorker of the app's origin
// is recorded (its script URL and name, and whether it is still alive), and its console errors,
// uncaught exceptions and the browser's errors about it (Log: a failed import, a refused
// connection) become problems, as a page's do. Chromium replays a worker's earlier console
// messages, exceptions and log entries when Runtime and Log are enabled, so attaching just after
// it starts misses none.

/**
 * Starts watching the SharedWorkers of `origin` in `browser` (a Playwright Browser of Chromium).
 * Resolves with `{ workers, problems, consoleLines, stop }`: `workers` is every SharedWorker seen
 * (`{ url, name, alive }`), `stop()` ends the watch.
 */
export async function watchSharedWorkers(browser, origin) {
  const cdp = await browser.newBrowserCDPSession();
  /** By target id. */
  const seen = new Map();
  /** Worker by DevTools session id. */
  const bySession = new Map();
  const problems = [];
  const consoleLines = [];

  const text = (args) =>
    (args ?? [])
      .map((arg) => (arg.value !== undefined ? String(arg.value) : arg.description))
      .join(' ');

  const attach = async (info) => {
    if (info.type !== 'shared_worker' || seen.has(info.targetId)) return;
    if (!info.url.startsWith(`${origin}/`)) return;
    const worker = { url: info.url, name: info.title, alive: true };
    seen.set(info.targetId, worker);
    try {
      // Not flattened: this session's messages come back as receivedMessageFromTarget events.
      const { sessionId } = await cdp.send('Target.attachToTarget', {
        targetId: info.targetId,
        flatten: false,
      });
      bySession.set(sessionId, worker);
      for (const [id, method] of [
        [1, 'Runtime.enable'],
        [2, 'Log.enable'],
      ]) {
        await cdp.send('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({ id, method }),
        });
      }
    } catch (error) {
      // A worker that ended before it could be attached to is still counted.
      if (worker.alive) problems.push(`could not watch SharedWorker ${info.url}: ${error.message}`);
    }
  };

  cdp.on('Target.targetCreated', ({ targetInfo }) => void attach(targetInfo));
  cdp.on('Target.targetDestroyed', ({ targetId }) => {
    const worker = seen.get(targetId);
    if (worker) worker.alive = false;
  });
  cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
    const worker = bySession.get(sessionId);
    if (!worker) return;
    const { method, params } = JSON.parse(message);
    const where = `SharedWorker ${worker.name || worker.url}`;
    if (method === 'Runtime.consoleAPICalled') {
      consoleLines.push(`${where}: ${params.type}: ${text(params.args)}`);
      if (params.type === 'error' || params.type === 'assert')
        problems.push(`${where}: console ${params.type}: ${text(params.args)}`);
    } else if (method === 'Log.entryAdded') {
      // What the browser says about the worker: a failed import, a refused connection.
      const { level, text: said, url } = params.entry;
      consoleLines.push(`${where}: ${level}: ${said}`);
      if (level === 'error') problems.push(`${where}: ${said}${url ? ` (${url})` : ''}`);
    } else if (method === 'Runtime.exceptionThrown') {
      const details = params.exceptionDetails;
      problems.push(
        `${where}: uncaught ${details.exception?.description ?? details.text} (at ${details.url ?? worker.url})`,
      );
    }
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });

  return {
    workers: () => [...seen.values()],
    problems,
    consoleLines,
    stop: () => cdp.detach().catch(() => {}),
  };
}
