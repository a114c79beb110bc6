/**
 * Test-only: a socket over {@link FakeWebSocket} with deterministic jitter (random 0.5) and no
 * browser events unless a test passes its own. Use with `vi.useFakeTimers()`.
 */

import type { SocketOptions } from '../../src/core/options.js';
import { createSocket } from '../../src/core/socket.js';
import { englishTexts } from '../../src/protocol/english.js';
import type { DataSchemas } from '../../src/protocol/standard-schema.js';
import { type FakeWebSocket, fakeWebSocketClass } from './fake-websocket.js';

export const TEST_URL = 'wss://chat.test/ws?token=secret-1';

export function setup<S extends DataSchemas = DataSchemas>(extra: Partial<SocketOptions<S>> = {}) {
  const WebSocket = fakeWebSocketClass();
  const socket = createSocket<S>({
    url: TEST_URL,
    WebSocket,
    random: () => 0.5,
    environment: false,
    // The English texts per code, as most apps that show toasts import them (the default texts,
    // one per action, have their own test).
    classification: { messages: englishTexts() },
    ...extra,
  });
  return {
    socket,
    WebSocket,
    ws: () => WebSocket.last(),
    status: () => socket.getSnapshot().status,
  };
}

/** Opens the newest fake WebSocket of `setup`. */
export function openLast(s: { ws(): FakeWebSocket }) {
  s.ws().open();
  return s.ws();
}

/** The first retry's delay with random 0.5 and the default policy: 250 + 0.5 × (1000 − 250). */
export const FIRST_RETRY_MS = 625;
