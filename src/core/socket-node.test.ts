/**
 * Setup faults, found when connecting (never at import or creation): no WebSocket anywhere (a
 * server, Node 20) is `no_websocket`; a URL that cannot be a WebSocket URL is `invalid_url`. Both
 * are fatal at once, one store entry and one logger call, and never retried.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { openLast, setup, TEST_URL } from '../../test/support/socket-setup.js';
import { englishTexts } from '../protocol/english.js';
import type { Fault } from '../protocol/fault.js';
import { createSocket } from './socket.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const TEN_MINUTES = 10 * 60_000;

/** A socket without `options.WebSocket`, whose logger calls are recorded. */
function bare(extra: { autoConnect?: boolean; url?: string | (() => string) } = {}) {
  const logged: Fault[] = [];
  const socket = createSocket({
    classification: { messages: englishTexts() },
    url: TEST_URL,
    environment: false,
    random: () => 0.5,
    errors: { onFault: (fault) => logged.push(fault) },
    ...extra,
  });
  return { socket, logged };
}

describe('no WebSocket anywhere', () => {
  it('fails with no_websocket: fatal, stop, kind connection, and the message names ws and Node 22', () => {
    vi.stubGlobal('WebSocket', undefined);
    const { socket, logged } = bare();
    expect(socket.getSnapshot().status).toBe('failed');
    const { history, fatal } = socket.errors.getState();
    expect(history).toHaveLength(1);
    expect(logged).toHaveLength(1);
    expect(fatal).toMatchObject({
      source: 'client',
      code: 'no_websocket',
      kind: 'connection',
      severity: 'fatal',
      action: 'stop',
    });
    expect(fatal?.message).toMatch(/\bws\b/);
    expect(fatal?.message).toMatch(/Node 22/);
    expect(fatal?.detail.url).toBe('wss://chat.test/ws?[redacted]');
  });

  it('never retries, and does not call the URL function for a token nothing can use', async () => {
    vi.stubGlobal('WebSocket', undefined);
    const url = vi.fn(() => TEST_URL);
    const { socket } = bare({ url });
    await vi.advanceTimersByTimeAsync(TEN_MINUTES);
    expect(url).not.toHaveBeenCalled();
    expect(socket.errors.getState().history).toHaveLength(1);
    expect(socket.getSnapshot().status).toBe('failed');
  });

  it('creating with autoConnect: false (SSR) does not fail; the global is read when connecting', async () => {
    vi.stubGlobal('WebSocket', undefined);
    const { socket } = bare({ autoConnect: false });
    expect(socket.getSnapshot().status).toBe('idle');
    expect(socket.errors.getState().history).toHaveLength(0);
    const WebSocket = fakeWebSocketClass();
    vi.stubGlobal('WebSocket', WebSocket);
    socket.connect();
    WebSocket.last().open();
    expect(socket.getSnapshot().status).toBe('open');
  });

  it('an injected WebSocket connects where no global one exists', () => {
    vi.stubGlobal('WebSocket', undefined);
    const s = setup();
    openLast(s);
    expect(s.status()).toBe('open');
    expect(s.socket.errors.getState().history).toHaveLength(0);
  });
});

describe('a malformed URL', () => {
  it.each([
    ['a wrong scheme', 'ftp://chat.test/ws?token=secret-1'],
    ['a host with a space', 'wss://chat test/ws?token=secret-1'],
    ['a broken IPv6 host', 'wss://[::1/ws?token=secret-1'],
    ['a host:port without a scheme', 'localhost:8080/ws?token=secret-1'],
  ])('fails with invalid_url for %s, and detail.url keeps no token', (_, url) => {
    const s = setup({ url, errors: { onFault: vi.fn() } });
    expect(s.status()).toBe('failed');
    expect(s.WebSocket.instances).toHaveLength(0);
    const { history, fatal } = s.socket.errors.getState();
    expect(history).toHaveLength(1);
    expect(fatal).toMatchObject({
      source: 'client',
      code: 'invalid_url',
      kind: 'connection',
      severity: 'fatal',
      action: 'stop',
    });
    expect(fatal?.message).toMatch(/malformed.*ws:\/\/.*wss:\/\//);
    expect(fatal?.detail.url).toBeDefined();
    expect(JSON.stringify(fatal)).not.toContain('secret-1');
  });

  it('from the URL function (sync or async): invalid_url once, one logger call, no retry', async () => {
    for (const url of [
      () => 'ftp://chat.test/ws?token=secret-1',
      async () => 'ftp://chat.test/ws?token=secret-1',
      () => undefined as unknown as string,
    ]) {
      const onFault = vi.fn();
      const s = setup({ url, errors: { onFault } });
      await vi.advanceTimersByTimeAsync(TEN_MINUTES);
      expect(s.status()).toBe('failed');
      expect(s.socket.errors.getState().fatal?.code).toBe('invalid_url');
      expect(s.socket.errors.getState().history).toHaveLength(1);
      expect(onFault).toHaveBeenCalledTimes(1);
      expect(s.WebSocket.instances).toHaveLength(0);
      expect(JSON.stringify(s.socket.errors.getState())).not.toContain('secret-1');
    }
  });

  it('accepts http(s):// and a URL object, which a WebSocket maps or reads', () => {
    for (const url of ['http://chat.test/ws', 'https://chat.test/ws', new URL(TEST_URL)]) {
      const s = setup({ url });
      expect(s.WebSocket.instances).toHaveLength(1);
      expect(s.status()).toBe('connecting');
    }
  });

  it('resolves a relative URL against the page, read at call time; without a page it is malformed', () => {
    vi.stubGlobal('location', { href: 'https://app.test/room/1' });
    const inPage = setup({ url: '/ws?token=secret-1' });
    expect(inPage.WebSocket.last().url).toBe('/ws?token=secret-1');
    vi.stubGlobal('location', undefined);
    const onServer = setup({ url: '/ws?token=secret-1' });
    expect(onServer.socket.errors.getState().fatal?.code).toBe('invalid_url');
  });

  it('a constructor throw for a valid URL (a bad subprotocol) stays apart from invalid_url', () => {
    const s = setup({
      protocols: ['bad protocol'],
      WebSocket: class {
        constructor() {
          throw new SyntaxError('invalid subprotocol');
        }
      } as never,
    });
    const fatal = s.socket.errors.getState().fatal;
    expect(fatal).toMatchObject({ code: 'unreachable', severity: 'fatal', action: 'stop' });
    expect(fatal?.detail.cause).toContain('invalid subprotocol');
  });
});
