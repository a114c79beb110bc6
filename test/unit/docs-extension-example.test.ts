// @vitest-environment happy-dom
/**
 * The worked example of docs/extensions.md (docs-extension-audit.ts): a feature written against
 * the extension contract (src/core/extension.ts), run on a real socket against an msw scenario.
 * The first test holds the page's code block to the code that runs here (but for the import
 * paths), so the page and the code cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Socket } from '../../src/core/types.js';
import { createSocket, systemClock } from '../../src/index.js';
import { createScenario } from '../../src/testing/index.js';
import { type AuditEntry, audit } from './docs-extension-audit.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const URL = 'wss://audit.example.com/ws';
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

const server = setupServer();
beforeAll(() => server.listen());
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A socket against a fresh scenario, its clock's wall time fixed at NOW, and its trail. */
function setup(log?: (entry: AuditEntry) => void) {
  const scenario = createScenario(URL);
  server.use(scenario.handler);
  const socket = createSocket({ url: URL, clock: { ...systemClock, now: () => NOW } });
  const trail: AuditEntry[] = [];
  audit(socket, log ?? ((entry) => trail.push(entry)));
  return { scenario, socket, trail };
}

describe('docs/extensions.md', () => {
  it('shows the example exactly as it runs here (but for the import paths)', () => {
    const own = readFileSync(path.join(root, 'test/unit/docs-extension-audit.ts'), 'utf8');
    const begin = '// --- docs/extensions.md example: begin ---\n';
    const end = '// --- docs/extensions.md example: end ---';
    const code = own
      .slice(own.indexOf(begin) + begin.length, own.indexOf(end))
      .replaceAll("'../../src/", "'../");
    const page = readFileSync(path.join(root, 'docs/extensions.md'), 'utf8');
    const blocks = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(blocks).toContain(code);
  });
});

describe('the audit extension of docs/extensions.md', () => {
  it('stamps a send made before the open with the socket clock, and logs it once written', async () => {
    const { scenario, socket, trail } = setup();
    expect(socket.send('chat', { text: 'hi' }).status).toBe('queued');
    expect(trail).toEqual([]); // queued, not written yet

    const sent = await scenario.waitForMessage((m) => m.type === 'chat');
    expect(sent.meta?.timestamp).toBe(new Date(NOW).toISOString());
    expect(trail).toContainEqual({ event: 'written', text: scenario.rawSent.at(-1) });
    socket.close();
  });

  it('keeps a timestamp the app gave', async () => {
    const { scenario, socket } = setup();
    socket.send('chat', { text: 'mine' }, { timestamp: '2020-01-01T00:00:00.000Z' });
    const sent = await scenario.waitForMessage((m) => m.type === 'chat');
    expect(sent.meta?.timestamp).toBe('2020-01-01T00:00:00.000Z');
    socket.close();
  });

  it('logs every inbound envelope before any handler sees it', async () => {
    const { scenario, socket, trail } = setup();
    const seenFirst: boolean[] = [];
    socket.on('news', () => seenFirst.push(trail.some((e) => e.event === 'received')));
    await scenario.waitForConnection();
    scenario.send('news', { n: 1 });

    await vi.waitFor(() => expect(seenFirst).toEqual([true]));
    expect(trail).toContainEqual({ event: 'received', type: 'news' });
    socket.close();
  });

  it("turns a throw of the app's log into a callback_error fault; handlers and the link go on", async () => {
    const { scenario, socket } = setup(() => {
      throw new Error('log full');
    });
    const handled: unknown[] = [];
    socket.on('news', (envelope) => handled.push(envelope.data));
    await scenario.waitForConnection();
    scenario.send('news', { n: 1 });

    await vi.waitFor(() => expect(handled).toEqual([{ n: 1 }]));
    const fault = socket.errors.getState().history.find((f) => f.code === 'callback_error');
    expect(fault?.detail.cause).toMatch(/the audit log threw Error: log full/);
    expect(socket.getSnapshot().status).toBe('open');
    socket.close();
  });

  it('is told when the link dies (dead) and when the socket stops (stop)', async () => {
    vi.useFakeTimers(); // the reconnect after the drop waits for no real time
    try {
      const { scenario, socket, trail } = setup();
      await vi.advanceTimersByTimeAsync(0);
      expect(socket.getSnapshot().status).toBe('open');

      scenario.drop();
      await vi.advanceTimersByTimeAsync(0);
      expect(trail.filter((e) => e.event === 'closed')).toEqual([
        { event: 'closed', dead: true, stop: false },
      ]);

      await vi.advanceTimersByTimeAsync(1000); // the first retry is at most 1 s away
      expect(socket.getSnapshot().status).toBe('open');
      socket.close();
      expect(trail.filter((e) => e.event === 'closed').at(-1)).toEqual({
        event: 'closed',
        dead: false,
        stop: true,
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('adds one extension per socket, however often it is called', async () => {
    const { scenario, socket, trail } = setup();
    audit(socket, (entry) => trail.push(entry)); // a second call: no second trail
    await scenario.waitForConnection();
    scenario.send('news', 1);
    await vi.waitFor(() => expect(trail.filter((e) => e.event === 'received')).toHaveLength(1));
    socket.close();
  });

  it('refuses a socket createSocket did not make', () => {
    expect(() => audit({} as Socket, () => {})).toThrow(TypeError);
  });
});
