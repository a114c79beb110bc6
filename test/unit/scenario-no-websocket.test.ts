// @vitest-environment node
// The README's vitest example pasted into a project whose tests run in Node's own environment:
// Node 20 has no WebSocket, the client reports no_websocket, and the scenario's waits say so at
// once, naming the fix, instead of ending at the test's timeout.
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSocket } from '../../src/index.js';
import { createScenario } from '../../src/testing/index.js';

const URL = 'wss://chat.test/socket';
const scenario = createScenario(URL);
const server = setupServer(scenario.handler);

beforeAll(() => {
  // Node 22 has a WebSocket of its own; Node 20 (ours) has none. The stub keeps the premise true
  // on both.
  vi.stubGlobal('WebSocket', undefined);
  server.listen({ onUnhandledRequest: 'error' });
});
afterAll(() => {
  server.close();
  vi.unstubAllGlobals();
});

describe('a scenario in an environment without WebSocket', () => {
  it('the client reports no_websocket and every wait rejects at once naming the environment fix', async () => {
    const socket = createSocket({ url: URL });
    socket.connect();
    await expect(scenario.waitForConnection()).rejects.toThrow(
      /scenario\.waitForConnection\(\): this test environment has no WebSocket.*@vitest-environment happy-dom/,
    );
    await expect(scenario.waitForMessage(() => true)).rejects.toThrow(
      /waitForMessage\(\).*no_websocket/,
    );
    expect(socket.getSnapshot().lastFault?.code).toBe('no_websocket');
    socket.close();
  });
});
