// @vitest-environment happy-dom
// The "test an auth redirect" example of README.md and docs/testing.md, verbatim but for the
// import paths: it must work (docs-examples-text.test.ts holds both pages to this text).
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createSocket } from '../../src/index.js';
import { createScenario } from '../../src/testing/index.js';

const server = setupServer();
beforeAll(() => server.listen());
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

it('sends the user to /login when the server says the token expired', async () => {
  const scenario = createScenario('wss://api.example.com/ws');
  server.use(scenario.handler);
  const socket = createSocket({ url: 'wss://api.example.com/ws?token=old' });
  await scenario.waitForConnection();
  scenario.expireToken(); // error 4003, then close 4003

  await vi.waitFor(() => expect(socket.errors.getState().fatal?.action).toBe('reauthenticate'));
  expect(socket.getSnapshot().status).toBe('failed');
  socket.close();
});
