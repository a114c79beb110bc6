import { describe, expect, inject, it } from 'vitest';

// Proves the Chromium pipeline reaches a real server from the browser, before any library code.
describe('Chromium talks to the real ws test server', () => {
  it('opens a native WebSocket and gets a pong for a ping', async () => {
    const socket = new WebSocket(inject('echoUrl'));
    const reply = await new Promise<string>((resolve, reject) => {
      socket.onopen = () => socket.send('{"type":"ping"}');
      socket.onmessage = (event) => resolve(String(event.data));
      socket.onerror = () => reject(new Error('socket error'));
    });
    socket.close();
    expect(JSON.parse(reply)).toEqual({ type: 'pong' });
    expect(navigator.userAgent).toContain('Chrome');
  });
});
