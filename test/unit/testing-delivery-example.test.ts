// @vitest-environment happy-dom
// The delivery example of docs/testing.md, verbatim but for the import paths: it must work
// (docs-examples-text.test.ts holds the page to this text).
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createSocket, delivery, deliveryOf } from '../../src/index.js';
import { createScenario } from '../../src/testing/index.js';

const server = setupServer();
beforeAll(() => server.listen());
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

it('keeps a note pending until the server acknowledges it', async () => {
  const scenario = createScenario('wss://api.example.com/ws', { delivery: true });
  server.use(scenario.handler);
  const socket = createSocket({ url: 'wss://api.example.com/ws', delivery: delivery() });
  await scenario.waitForWelcome(); // the server answered the client's hello

  scenario.holdAcks(); // processed, but not acknowledged
  const result = socket.send('note', { text: 'hi' });
  await scenario.waitForMessage((m) => m.type === 'note');
  expect(deliveryOf(socket).getSnapshot().unacked).toBe(1);

  scenario.releaseAcks(); // one cumulative ack
  await expect(result.status !== 'rejected' && result.delivered).resolves.toBe('acknowledged');
  expect(deliveryOf(socket).getSnapshot().unacked).toBe(0);
  socket.close();
});

it('replays what the client missed, or asks it to resync when the history is gone', async () => {
  vi.useFakeTimers(); // the reconnects below wait for no real time
  const scenario = createScenario('wss://api.example.com/ws', { delivery: true });
  server.use(scenario.handler);
  const socket = createSocket({ url: 'wss://api.example.com/ws', delivery: delivery() });
  await vi.advanceTimersByTimeAsync(0);
  expect(scenario.welcomes).toHaveLength(1);

  scenario.drop(); // the link dies...
  scenario.send('price', 101); // ...and this is kept for the session, numbered
  await vi.advanceTimersByTimeAsync(1000); // the first retry is at most 1 s away
  expect(scenario.welcomes[1]).toMatchObject({ resumed: true, replay: 1 });
  expect(deliveryOf(socket).getSnapshot().recovery).toMatchObject({ resumed: true, replayed: 1 });

  scenario.failNextResume(); // the next resume finds the history gone
  scenario.drop();
  scenario.send('price', 102); // missed for good
  await vi.advanceTimersByTimeAsync(5000); // the second retry is at most 2 s away
  expect(scenario.welcomes[2]).toMatchObject({ resumed: false, reason: 'history_gone' });
  expect(socket.getSnapshot().lastFault).toMatchObject({ code: 'resync', action: 'resync' });
  socket.close();
  vi.useRealTimers();
});
