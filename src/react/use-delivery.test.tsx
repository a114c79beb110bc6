/**
 * `useDelivery` follows a socket made with `delivery()`, against a fake WebSocket playing the
 * server's side by hand; `useSocket` does not (its result no longer carries delivery state).
 */
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLast, setup } from '../../test/support/socket-setup.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { useDelivery } from './use-delivery.js';
import { useSocket } from './use-socket.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const welcome = (ws: ReturnType<typeof openLast>, data: Record<string, unknown> = {}) => {
  const hello = ws.frames().find((f) => f.type === 'sockguard.hello');
  ws.receive({
    type: 'sockguard.welcome',
    data: { v: 1, session: 's1', resumed: false, seq: 0, acked: 0, secret: 'k1', ...data },
    meta: { request_id: hello?.meta?.request_id },
  });
};

describe('useDelivery', () => {
  it('shows unacknowledged sends going pending, then delivered on the ack', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    const { result } = renderHook(() => useDelivery(s.socket));
    await act(async () => welcome(ws));
    expect(result.current).toMatchObject({ mode: 'on', session: 's1', unacked: 0 });
    await act(async () => void s.socket.send('chat', 1));
    expect(result.current.unacked).toBe(1);
    await act(async () => ws.receive({ type: 'sockguard.ack', data: { seq: 1 } }));
    expect(result.current.unacked).toBe(0);
    s.socket.close();
  });

  it('useSocket neither carries nor re-renders for the unacknowledged count', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    let renders = 0;
    const { result } = renderHook(() => {
      renders += 1;
      return useSocket(s.socket);
    });
    await act(async () => welcome(ws));
    const before = renders;
    await act(async () => void s.socket.send('chat', 1));
    expect(deliveryOf(s.socket).getSnapshot().unacked).toBe(1);
    expect(renders).toBe(before);
    expect(result.current).not.toHaveProperty('unacked');
    expect(result.current).not.toHaveProperty('request');
    s.socket.close();
  });

  it('shows a failed recovery after a reconnect the server could not replay', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    const { result } = renderHook(() => useDelivery(s.socket));
    await act(async () => welcome(first));
    act(() => first.drop(1006));
    await act(() => vi.advanceTimersByTimeAsync(1000));
    const second = openLast(s);
    await act(async () => welcome(second, { reason: 'history_gone', seq: 40 }));
    expect(result.current.recovery).toMatchObject({ resumed: false, reason: 'history_gone' });
    s.socket.close();
  });

  it("is 'off' for a socket without delivery, and its unacked stays 0", async () => {
    const s = setup({ heartbeat: false });
    openLast(s);
    const { result } = renderHook(() => useDelivery(s.socket));
    await act(async () => void s.socket.send('chat', 1));
    expect(result.current).toMatchObject({ mode: 'off', unacked: 0 });
    s.socket.close();
  });
});
