/**
 * Two defects the peers' own test suites found (issue 20), each fixed and kept fixed here: the
 * fault a socket gives up with keeps the last failure's facts, and a protocols function that
 * returns nonsense fails at once instead of being retried forever.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup } from '../../test/support/socket-setup.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('giving up keeps the last failure', () => {
  it('unreachable after maxAttempts carries the last close: code, reason and wasClean, structured', async () => {
    const s = setup({ backoff: { maxAttempts: 1, floorMs: 10, baseMs: 10 }, heartbeat: false });
    s.ws().open();
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    s.ws().drop(4999, 'going down for maintenance', true);
    await vi.advanceTimersByTimeAsync(0);
    const snapshot = s.socket.getSnapshot();
    expect(snapshot.status).toBe('failed');
    const fault = snapshot.status === 'failed' ? snapshot.fault : null;
    expect(fault).toMatchObject({ code: 'unreachable', severity: 'fatal' });
    expect(fault?.detail.last).toMatchObject({
      source: 'close',
      code: 4999,
      closeCode: 4999,
      closeReason: 'going down for maintenance',
      wasClean: true,
    });
  });

  it('a url() that threw last is in the fault as its cause', async () => {
    let calls = 0;
    const s = setup({
      url: () => {
        calls += 1;
        if (calls > 1) throw new Error('token service down');
        return 'wss://chat.test/ws';
      },
      backoff: { maxAttempts: 1, floorMs: 10, baseMs: 10 },
      heartbeat: false,
    });
    s.ws().open();
    s.ws().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    const snapshot = s.socket.getSnapshot();
    const fault = snapshot.status === 'failed' ? snapshot.fault : null;
    expect(fault?.code).toBe('unreachable');
    expect(fault?.detail.last).toMatchObject({ source: 'client', code: 'url_failed' });
    expect(fault?.detail.last?.cause).toContain('token service down');
  });
});

describe('a protocols function that returns nonsense', () => {
  it.each([
    ['a number', () => 42],
    ['an object', () => ({ chat: true })],
    ['an array with a number', () => ['chat', 3]],
  ])(
    'returning %s fails at once (fatal, no retry), like the static option',
    async (_name, protocols) => {
      const s = setup({ protocols: protocols as never });
      await vi.advanceTimersByTimeAsync(60_000);
      const snapshot = s.socket.getSnapshot();
      expect(snapshot.status).toBe('failed');
      expect(snapshot.status === 'failed' && snapshot.fault).toMatchObject({
        source: 'client',
        code: 'invalid_protocols',
        severity: 'fatal',
      });
      expect(s.WebSocket.instances).toHaveLength(0);
    },
  );

  it('its async form too, without an unhandled rejection per attempt', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const s = setup({ protocols: (async () => 42) as never });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(s.socket.getSnapshot().status).toBe('failed');
      expect(s.WebSocket.instances).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(0);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
