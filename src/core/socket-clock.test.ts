/**
 * Delays run on the monotonic clock (`performance.now()`, faked by vitest alongside Date): a wall
 * clock stepped back an hour (NTP, a user fixing the time) postpones nothing, while a wall clock
 * that jumped forward (a wake from sleep) still makes the heartbeat probe.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';

beforeEach(() => vi.useFakeTimers({ now: 10 * 3_600_000 }));
afterEach(() => vi.useRealTimers());

const HOUR = 3_600_000;

describe('a wall clock stepped back', () => {
  it('does not postpone the next retry (it used to wait an extra hour)', async () => {
    const s = setup({ heartbeat: false });
    openLast(s).drop(1006);
    vi.setSystemTime(Date.now() - HOUR);
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });

  it('a retry re-armed after the step (tab hidden, then visible) still fires at its planned delay', async () => {
    const window = new EventTarget();
    const navigator = { onLine: true };
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const s = setup({ heartbeat: false, environment: { window, document, navigator } as never });
    openLast(s).drop(1006);
    document.visibilityState = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    vi.setSystemTime(Date.now() - HOUR);
    document.visibilityState = 'visible';
    document.dispatchEvent(new Event('visibilitychange')); // re-arms from the monotonic due time
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    expect(s.WebSocket.instances).toHaveLength(2);
    s.socket.close();
  });

  it('does not hold the heartbeat: the ping still goes out one interval into the silence', async () => {
    const s = setup({ heartbeat: { intervalMs: 1000, timeoutMs: 500 } });
    const ws = openLast(s);
    vi.setSystemTime(Date.now() - HOUR);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    s.socket.close();
  });
});
