import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createSocket, type Socket, type SocketOptions } from '../../src/index.js';
import { request } from '../../src/request/request.js';

// The real demo server (demo/server.ts) from global-setup.ts, reached by Chromium's own WebSocket:
// no msw here. Its restart refuses upgrades for 1.5 s.
const wsUrl = inject('demoUrl');
const httpUrl = inject('demoHttpUrl');
const PATIENCE = { timeout: 10_000, interval: 20 } as const;

/** Retries come every 100-200 ms, so a 1.5 s restart sees several refused handshakes. */
const FAST: Partial<SocketOptions> = {
  backoff: { baseMs: 100, factor: 2, floorMs: 100, capMs: 200, jitter: 'none' },
  minUptimeMs: 300,
  heartbeat: false,
};

async function freshToken(): Promise<string> {
  const response = await fetch(`${httpUrl}/token`, { method: 'POST' });
  const body = (await response.json()) as { token: string };
  return body.token;
}

const sockets: Socket[] = [];
function open(options: SocketOptions): Socket {
  const socket = createSocket({ ...FAST, ...options });
  sockets.push(socket);
  return socket;
}
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

const status = (socket: Socket) => socket.getSnapshot().status;
const history = (socket: Socket) => socket.errors.getState().history;

describe('the library core against the real demo server (native WebSocket)', () => {
  it('reconnects after a restart (1012, then refused upgrades) and delivers a queued send once', async () => {
    const token = await freshToken();
    const socket = open({ url: `${wsUrl}/?token=${token}` });
    const received: string[] = [];
    socket.on('chat', ({ data }) => {
      received.push(String((data as { text?: unknown }).text));
    });
    await vi.waitFor(() => expect(status(socket)).toBe('open'), PATIENCE);
    await request(socket, 'join', { room: 'general' });

    await fetch(`${httpUrl}/control/restart`, { method: 'POST' });
    await vi.waitFor(() => expect(status(socket)).not.toBe('open'), PATIENCE);
    expect(socket.send('chat', { room: 'general', text: 'sent while down' })).toEqual({
      status: 'queued',
    });

    await vi.waitFor(() => expect(received).toContain('sent while down'), PATIENCE);
    expect(status(socket)).toBe('open');
    // A marker sent after it arrives after any duplicate would have: frames keep their order.
    await request(socket, 'chat', { room: 'general', text: 'marker' });
    expect(received.filter((text) => text === 'sent while down')).toHaveLength(1);

    const faults = history(socket);
    expect(
      faults.some((f) => f.source === 'close' && f.code === 1012 && f.action === 'reconnect'),
    ).toBe(true);
    // The refused upgrades (HTTP 503) show in Chromium as handshakes closing 1006 before open.
    expect(faults.some((f) => f.code === 1006 || f.code === 'unreachable')).toBe(true);
    expect(faults.every((f) => f.severity === 'recoverable')).toBe(true);
  });

  it('turns an expired token (4003, then close 4003) into one fatal reauthenticate fault, no retry', async () => {
    let attempts = 0;
    const socket = open({
      url: () => {
        attempts += 1;
        return `${wsUrl}/?token=expired-abc`;
      },
    });
    await vi.waitFor(() => expect(status(socket)).toBe('failed'), PATIENCE);
    const snapshot = socket.getSnapshot();
    expect(snapshot.status === 'failed' && snapshot.fault).toMatchObject({
      code: 4003,
      severity: 'fatal',
      action: 'reauthenticate',
      // The default text of its action; the server's own text is shown only with englishTexts()
      // but is kept for logs, with the close it was merged with.
      message: 'Your session has expired. Please sign in again.',
      detail: { serverMessage: 'Token expired', closeCode: 4003 },
    });
    expect(history(socket).filter((f) => f.action === 'reauthenticate')).toHaveLength(1);
    expect(socket.errors.getState().toasts).toHaveLength(1);
    // Longer than any retry delay: a retry with the dead token would have happened by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts).toBe(1);
    expect(status(socket)).toBe('failed');
  });

  it('with refreshAuth, gets a fresh token by POST /token and reconnects, also when it expires later', async () => {
    let token = 'expired-abc';
    const urls: string[] = [];
    const refreshAuth = vi.fn(async () => {
      token = await freshToken();
    });
    const socket = open({
      url: () => {
        urls.push(token);
        return `${wsUrl}/?token=${token}`;
      },
      refreshAuth,
    });
    // The demo checks the token after the upgrade, so the first socket opens before its 4003:
    // wait for the second one.
    await vi.waitFor(() => {
      expect(urls).toHaveLength(2);
      expect(status(socket)).toBe('open');
    }, PATIENCE);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    expect(urls[0]).toBe('expired-abc');
    expect(urls[1]).toMatch(/^valid-/);
    const first = history(socket).filter((f) => f.code === 4003);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ severity: 'recoverable', action: 'reauthenticate' });
    expect(socket.errors.getState().fatal).toBeNull();

    // Stay up past minUptimeMs (the auth failure is forgotten), then the server expires the token.
    await vi.waitFor(() => expect(socket.getSnapshot().attempt).toBe(0), PATIENCE);
    socket.send('control', { fault: 'expire-token' });
    await vi.waitFor(() => {
      expect(urls).toHaveLength(3);
      expect(status(socket)).toBe('open');
    }, PATIENCE);
    expect(refreshAuth).toHaveBeenCalledTimes(2);
    expect(urls[2]).toMatch(/^valid-/);
    expect(urls[2]).not.toBe(urls[1]);
    expect(socket.errors.getState().fatal).toBeNull();
  });
});
