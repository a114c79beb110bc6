/**
 * The public face of tab sharing: `shareTabs({ worker })` in the tabs and `serveSharedSocket()` in
 * the worker's script. The worker's scope and its ports are in-memory here (the Chromium tests in
 * test/tabs run the real thing); what is proven is the wiring, the fallbacks and their warnings.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { advance, flush, pair } from '../../test/support/worker-kit.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import type { StandardSchemaV1 } from '../protocol/standard-schema.js';
import { request } from '../request/request.js';
import { type SharedWorkerScope, serveSharedSocket } from './serve.js';
import { shareTabs } from './share-tabs.js';
import type { PortLike } from './wire.js';

/** Stands for the browser's constructor: shareTabs only checks that there is one. */
class FakeSharedWorker {}

type ConnectListener = (event: { readonly ports: readonly PortLike[] }) => void;

/** A SharedWorker's scope whose `connect` the test fires, and a worker factory that does so. */
function sharedWorker() {
  const WebSocket = fakeWebSocketClass();
  let onConnect: ConnectListener | undefined;
  const scope: SharedWorkerScope = {
    addEventListener: (_type, listener) => {
      onConnect = listener;
    },
  };
  const hub = serveSharedSocket({
    scope,
    makeSocket: (options) => createSocket({ ...options, WebSocket }) as unknown as Socket,
  });
  let made = 0;
  const worker = () => {
    made += 1;
    const [mine, theirs] = pair();
    onConnect?.({ ports: [theirs] });
    return { port: mine };
  };
  return { hub, WebSocket, worker, made: () => made };
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllGlobals();
  warn.mockRestore();
  vi.useRealTimers();
});

describe('shareTabs({ worker }) with serveSharedSocket()', () => {
  it('two tabs made with createSocket share one WebSocket held by the worker, and both see it open', async () => {
    vi.stubGlobal('SharedWorker', FakeSharedWorker);
    const w = sharedWorker();
    const url = 'wss://chat.test/ws';
    const a = createSocket({ url, tabs: shareTabs({ worker: w.worker }) });
    const b = createSocket({ url, tabs: shareTabs({ worker: w.worker }) });
    await flush();
    expect(w.WebSocket.instances).toHaveLength(1);
    w.WebSocket.last().open();
    await flush();
    expect([a.getSnapshot().status, b.getSnapshot().status]).toEqual(['open', 'open']);
    a.send('chat', { from: 'a' });
    await flush();
    expect(w.WebSocket.last().frames()).toEqual([{ type: 'chat', data: { from: 'a' } }]);
    // One worker per tab, made once: the factory is called again only for a dead worker.
    expect(w.made()).toBe(2);
    expect(warn).not.toHaveBeenCalled();
    w.hub.stop();
  });

  it('a dead worker: the tab calls the factory again and goes on with the new worker', async () => {
    vi.stubGlobal('SharedWorker', FakeSharedWorker);
    let current = sharedWorker();
    const tab = createSocket({
      url: 'wss://chat.test/ws',
      tabs: shareTabs({ worker: () => current.worker() }),
    });
    await flush();
    current.WebSocket.last().open();
    await flush();
    // The worker dies without a word (as when the page that started it crashes).
    current.hub.stop();
    const dead = current;
    current = sharedWorker();
    await advance(3000);
    expect(dead.made()).toBe(1);
    expect(current.made()).toBe(1);
    current.WebSocket.last().open();
    await flush();
    expect(tab.getSnapshot().status).toBe('open');
    current.hub.stop();
  });

  it("request() with a reply schema in a tab: a reply that fits resolves with the schema's output, one that does not rejects invalid_envelope, reported in the tab", async () => {
    vi.stubGlobal('SharedWorker', FakeSharedWorker);
    const w = sharedWorker();
    const tab = createSocket({ url: 'wss://chat.test/ws', tabs: shareTabs({ worker: w.worker }) });
    await flush();
    w.WebSocket.last().open();
    await flush();
    // A hand-made Standard Schema: a count, doubled on the way out.
    const reply: StandardSchemaV1<unknown, { n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          const n = (value as { n?: unknown } | null)?.n;
          return typeof n === 'number'
            ? { value: { n: n * 2 } }
            : { issues: [{ message: 'no n' }] };
        },
      },
    };
    const answer = (data: unknown) => {
      const asked = w.WebSocket.last().frames().at(-1);
      w.WebSocket.last().receive({ type: 'count', data, meta: asked?.meta });
    };
    const good = request(tab, 'count', null, { reply });
    await flush();
    answer({ n: 2 });
    await expect(good).resolves.toMatchObject({ type: 'count', data: { n: 4 } });
    const bad = request(tab, 'count', null, { reply });
    await flush();
    answer({ m: 2 });
    await expect(bad).rejects.toMatchObject({ fault: { code: 'invalid_envelope' } });
    expect(tab.errors.getState().history.map((f) => f.code)).toContain('invalid_envelope');
    w.hub.stop();
  });

  it('refuses, naming it, an option that cannot cross to the worker (a classification.messages function)', () => {
    vi.stubGlobal('SharedWorker', FakeSharedWorker);
    const w = sharedWorker();
    expect(() =>
      createSocket({
        url: 'wss://x.test',
        classification: { messages: () => 'x' },
        tabs: shareTabs({ worker: w.worker }),
      }),
    ).toThrow(/classification\.messages/);
  });

  it('checks its own options, naming the bad one', () => {
    expect(() => shareTabs({ workerTimeoutMs: 5 })).toThrow(/shareTabs\.workerTimeoutMs/);
    expect(() => shareTabs({ worker: 'socket.worker.js' as never })).toThrow(/shareTabs\.worker/);
    expect(() => shareTabs({ wroker: () => ({}) } as never)).toThrow(/wroker/);
  });
});

describe('where a tab cannot share, it keeps its own socket and says why once', () => {
  const ownSockets = (tabs: ReturnType<typeof shareTabs>) => {
    const WebSocket = fakeWebSocketClass();
    createSocket({ url: 'wss://x.test', WebSocket, tabs });
    createSocket({ url: 'wss://x.test', WebSocket, tabs });
    return WebSocket.instances.length;
  };
  const warnings = () => warn.mock.calls.map((call: unknown[]) => String(call[0]));

  it('no SharedWorker in this browser', () => {
    vi.stubGlobal('SharedWorker', undefined);
    const worker = vi.fn(() => ({ port: pair()[0] }));
    expect(ownSockets(shareTabs({ worker }))).toBe(2);
    expect(worker).not.toHaveBeenCalled();
    expect(warnings()).toEqual([
      'sockguard: shareTabs: this browser has no SharedWorker; this tab keeps its own socket',
    ]);
  });

  it('no worker given: the warning shows the call to write', () => {
    vi.stubGlobal('SharedWorker', FakeSharedWorker);
    expect(ownSockets(shareTabs())).toBe(2);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(
      /no worker given: shareTabs\(\{ worker: \(\) => new SharedWorker/,
    );
  });

  it('a factory that throws (a script the bundler did not emit, a CSP without worker-src)', () => {
    vi.stubGlobal('SharedWorker', FakeSharedWorker);
    const worker = () => {
      throw new Error('Refused to create a worker from "x.js"');
    };
    expect(ownSockets(shareTabs({ worker }))).toBe(2);
    expect(warnings()).toEqual([
      'sockguard: shareTabs: the worker factory threw: Error: Refused to create a worker from "x.js"; this tab keeps its own socket',
    ]);
  });
});

describe('serveSharedSocket()', () => {
  it('outside a SharedWorker it throws, saying where it runs', () => {
    expect(() => serveSharedSocket()).toThrow(/runs in a SharedWorker's script/);
  });

  it('in a SharedWorker scope it listens for connect itself', () => {
    // `globalThis instanceof SharedWorkerGlobalScope` is what the check reads.
    const Scope = Object.defineProperty(() => {}, Symbol.hasInstance, {
      value: (value: unknown) => value === globalThis,
    });
    vi.stubGlobal('SharedWorkerGlobalScope', Scope);
    const listen = vi.fn();
    vi.stubGlobal('addEventListener', listen);
    serveSharedSocket().stop();
    expect(listen).toHaveBeenCalledWith('connect', expect.any(Function));
  });
});
