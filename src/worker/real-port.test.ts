/**
 * The hub and a tab over a real MessageChannel (Node's, as structured-clone and task-delivery
 * as a browser's): the in-memory ports of the other tests do not hide a message that cannot
 * cross a real port.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { fakeWebSocketClass } from '../../test/support/fake-websocket.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { request } from '../request/request.js';
import { createHub } from './hub.js';
import { connectTab } from './tab.js';
import type { PortLike } from './wire.js';

/** Waits (really) until `check` holds, at most 2 s. */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('over a real MessageChannel', () => {
  it('a tab joins, sees the socket open, gets a message, and its request is answered', async () => {
    const WebSocket = fakeWebSocketClass();
    const hub = createHub({
      makeSocket: (options) => createSocket({ ...options, WebSocket }) as unknown as Socket,
    });
    const { port1, port2 } = new MessageChannel();
    hub.connect(port2 as unknown as PortLike);
    const url = async () => 'wss://real.test/ws';
    const tab = connectTab(port1 as unknown as PortLike, { url, environment: false }, { key: 'k' });
    const seen: unknown[] = [];
    tab.on('*', (envelope) => void seen.push(envelope));
    try {
      await until(() => WebSocket.instances.length === 1);
      expect(WebSocket.last().url).toBe('wss://real.test/ws');
      WebSocket.last().open();
      await until(() => tab.getSnapshot().status === 'open');
      WebSocket.last().receive({ type: 'chat', data: { text: 'hi' } });
      await until(() => seen.length === 1);
      const reply = request(tab, 'get', { id: 1 });
      await until(() => WebSocket.last().frames().length === 1);
      const id = WebSocket.last().frames()[0]?.meta?.request_id;
      WebSocket.last().receive({ type: 'got', data: 2, meta: { request_id: id } });
      await expect(reply).resolves.toMatchObject({ type: 'got', data: 2 });
    } finally {
      tab.close();
      hub.stop();
      port1.close();
      port2.close();
    }
  });
});
