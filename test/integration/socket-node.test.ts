// @vitest-environment node
/**
 * sockguard on plain Node: Node 20 has no global WebSocket, so a socket made without the
 * `WebSocket` option fails with `no_websocket` (a message naming the fix), not a dead server;
 * with `WebSocket` from `ws` it opens against a real server on 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createSocket } from '../../src/core/socket.js';
import type { Socket } from '../../src/core/types.js';

const sockets: Socket[] = [];
const servers: WebSocketServer[] = [];

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(
    servers.splice(0).map(
      (wss) =>
        new Promise<void>((resolve) => {
          for (const client of wss.clients) client.terminate();
          wss.close(() => resolve());
        }),
    ),
  );
});

const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('on Node', () => {
  it('without the WebSocket option and no global one: no_websocket, fatal, naming ws', () => {
    // The premise: Node 20 and 21 have no global WebSocket. On 22+ take it away to test the same.
    expect(typeof Reflect.get(globalThis, 'WebSocket')).toBe(
      nodeMajor < 22 ? 'undefined' : 'function',
    );
    vi.stubGlobal('WebSocket', undefined);
    const socket = createSocket({ url: 'ws://127.0.0.1:9/ws?token=secret', environment: false });
    sockets.push(socket);
    expect(socket.getSnapshot().status).toBe('failed');
    const { history, fatal } = socket.errors.getState();
    expect(history).toHaveLength(1);
    expect(fatal).toMatchObject({ code: 'no_websocket', severity: 'fatal', action: 'stop' });
    expect(fatal?.message).toContain('ws package');
    expect(JSON.stringify(history)).not.toContain('secret');
  });

  it('with WebSocket from ws: opens against a real server', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(wss);
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    wss.on('connection', (client) => client.on('error', () => {}));
    const { port } = wss.address() as AddressInfo;
    const socket = createSocket({
      url: `ws://127.0.0.1:${port}/ws`,
      WebSocket,
      environment: false,
      heartbeat: false,
    });
    sockets.push(socket);
    await vi.waitFor(() => expect(socket.getSnapshot().status).toBe('open'));
    expect(socket.errors.getState().history).toHaveLength(0);
  });
});
