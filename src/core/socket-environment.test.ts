/** Browser life: offline/online, hidden/visible tab, back/forward cache, zombie probes. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser } from '../../test/support/fake-browser.js';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import { resetBrowserState, setOnline, setVisibility } from '../testing/browser.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  resetBrowserState();
  vi.useRealTimers();
});

describe('offline and online', () => {
  it('a drop while offline is an offline fault; retries wait for online, which retries at once', async () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    const ws = openLast(s);
    b.offline();
    ws.drop(1006);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      source: 'transport',
      code: 'offline',
    });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
    b.online();
    expect(s.WebSocket.instances).toHaveLength(2);
    expect(s.status()).toBe('connecting');
  });

  it('going offline while reconnecting pauses the planned retry', async () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    openLast(s).drop(1006);
    b.offline();
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS * 10);
    expect(s.WebSocket.instances).toHaveLength(1);
    expect(s.socket.getSnapshot()).toMatchObject({ nextRetryAt: null });
  });

  it('online while open probes the link: no answer within probeTimeoutMs reconnects', async () => {
    const b = browser();
    const s = setup({ environment: b.environment, heartbeat: { probeTimeoutMs: 300 } });
    const ws = openLast(s);
    b.online();
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    await vi.advanceTimersByTimeAsync(300);
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ code: 'heartbeat_timeout' });
  });

  it('online while open with an answer keeps the connection', async () => {
    const b = browser();
    const s = setup({ environment: b.environment, heartbeat: { probeTimeoutMs: 300 } });
    const ws = openLast(s);
    b.online();
    ws.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.status()).toBe('open');
  });

  it('works with the real globals through the testing kit (happy-dom window)', async () => {
    const s = setup({ environment: {} });
    openLast(s).drop(1006);
    setOnline(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
    setOnline(true);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });
});

describe('hidden tab', () => {
  it('retries pause while hidden and resume when visible', async () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    openLast(s).drop(1006);
    b.hide();
    expect(s.socket.getSnapshot()).toMatchObject({ nextRetryAt: null });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
    b.show();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.WebSocket.instances).toHaveLength(2);
  });

  it('becoming visible before the planned time keeps the planned time', async () => {
    const b = browser();
    const s = setup({ environment: b.environment, random: () => 0.999, maxHandshakeFailures: 10 });
    openLast(s).drop(1006);
    const planned = s.socket.getSnapshot();
    b.hide();
    await vi.advanceTimersByTimeAsync(100);
    b.show();
    expect(s.socket.getSnapshot()).toMatchObject({
      nextRetryAt: planned.status === 'reconnecting' ? planned.nextRetryAt : -1,
    });
  });

  it('becoming visible while open probes for a zombie socket', () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    const ws = openLast(s);
    b.hide();
    b.show();
    expect(ws.sent).toEqual(['{"type":"ping"}']);
  });

  it('works with the real document through the testing kit', async () => {
    const s = setup({ environment: {} });
    openLast(s).drop(1006);
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });
});

describe('back/forward cache', () => {
  it('pagehide persisted closes cleanly, keeps queued sends, and pageshow reconnects and flushes them', async () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    const ws = openLast(s);
    b.pagehide(true);
    expect(ws.closedByClient).toEqual({ code: 1000, reason: 'page frozen' });
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: null });
    expect(s.socket.send('later', 1).status).toBe('queued');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
    b.pageshow(true);
    expect(openLast(s).frames()).toEqual([{ type: 'later', data: 1 }]);
  });

  it('a pagehide that is not persisted (a real unload) changes nothing', () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    openLast(s);
    b.pagehide(false);
    expect(s.status()).toBe('open');
  });

  it('close() stops listening to the browser', async () => {
    const b = browser();
    const s = setup({ environment: b.environment });
    openLast(s).drop(1006);
    s.socket.close();
    b.online();
    b.pageshow(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.WebSocket.instances).toHaveLength(1);
  });
});
