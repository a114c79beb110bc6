/**
 * The wire a delivery scenario speaks, frame by frame, seen from a raw WebSocket (happy-dom's,
 * patched by msw): welcomes, numbering, cumulative acks, duplicates, one connection per session.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ackFrame, helloFrame } from '../protocol/delivery.js';
import { createScenario, type Scenario } from './scenario.js';

const URL = 'wss://delivery-wire.test/ws';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Probe {
  readonly socket: WebSocket;
  readonly frames: Array<{ type: string; data?: unknown; meta?: Record<string, unknown> }>;
  readonly closed: Promise<number>;
  send(frame: unknown): void;
}

/** A raw client that records what it receives, opened and ready to send. */
async function open(): Promise<Probe> {
  const socket = new WebSocket(URL);
  const frames: Probe['frames'] = [];
  socket.addEventListener('message', (event: MessageEvent) =>
    frames.push(JSON.parse(String(event.data))),
  );
  const closed = new Promise<number>((resolve) =>
    socket.addEventListener('close', (event: CloseEvent) => resolve(event.code)),
  );
  await new Promise((resolve) => socket.addEventListener('open', resolve));
  const send = (frame: unknown) =>
    socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return { socket, frames, closed, send };
}

function use(): Scenario {
  const scenario = createScenario(URL, { delivery: true });
  server.use(scenario.handler);
  return scenario;
}

/** Opens a probe and says hello as a client's first connection would (or resumes `session`). */
async function welcomed(
  scenario: Scenario,
  session: string | null = null,
  lastSeq = 0,
  secret?: string,
) {
  const probe = await open();
  const welcomes = scenario.welcomes.length;
  probe.send(helloFrame(session, lastSeq, `sockguard.hello.${welcomes + 1}`, secret));
  await scenario.waitForWelcome(welcomes + 1);
  return probe;
}

const acks = (probe: Probe) => probe.frames.filter((f) => f.type === 'sockguard.ack');

describe('a delivery scenario on the wire', () => {
  it('answers the hello with a welcome under its request_id, before anything else', async () => {
    const scenario = use();
    const probe = await welcomed(scenario);
    await vi.waitFor(() => expect(probe.frames).toHaveLength(1));
    expect(probe.frames[0]).toEqual({
      type: 'sockguard.welcome',
      data: { v: 1, session: 's1', resumed: false, seq: 0, acked: 0, secret: 'secret-1' },
      meta: { request_id: 'sockguard.hello.1' },
    });
  });

  it('a numbered frame seen before is not processed or answered again, and is acknowledged again', async () => {
    const scenario = use();
    const answer = vi.fn(() => 'yes');
    scenario.reply('ask', answer);
    const probe = await welcomed(scenario);
    const ask = { type: 'ask', data: 1, meta: { request_id: 'r1', seq: 1 } };
    probe.send(ask);
    await vi.waitFor(() => expect(acks(probe)).toHaveLength(1));
    probe.send(ask);
    await vi.waitFor(() => expect(acks(probe)).toHaveLength(2));
    expect(acks(probe)).toEqual([JSON.parse(ackFrame(1)), JSON.parse(ackFrame(1))]);
    expect(answer).toHaveBeenCalledTimes(1);
    expect(scenario.processed).toEqual([ask]);
    expect(scenario.duplicates).toEqual([ask]);
    expect(probe.frames.filter((f) => f.type === 'ask')).toEqual([
      { type: 'ask', data: 'yes', meta: { request_id: 'r1', seq: 1 } },
    ]);
  });

  it('holdAcks sends no ack; releaseAcks sends one cumulative ack for all of them', async () => {
    const scenario = use();
    const probe = await welcomed(scenario);
    scenario.holdAcks();
    for (const seq of [1, 2, 3]) probe.send({ type: 'note', data: seq, meta: { seq } });
    await scenario.waitForMessage((m) => m.meta?.seq === 3);
    expect(scenario.processed).toHaveLength(3);
    scenario.releaseAcks();
    await vi.waitFor(() => expect(acks(probe)).toHaveLength(1));
    expect(acks(probe)[0]).toEqual({ type: 'sockguard.ack', data: { seq: 3 } });
  });

  it('what is sent before the hello waits for the welcome; errors and replies are numbered too', async () => {
    const scenario = use();
    scenario.reply('ask', () => 'answer');
    const probe = await open();
    await scenario.waitForConnection(1);
    scenario.send('news', 'early');
    probe.send(helloFrame(null, 0, 'h1'));
    await scenario.waitForWelcome(1);
    scenario.sendError(4001, 'Room not found');
    probe.send({ type: 'ask', data: null, meta: { request_id: 'r1', seq: 1 } });
    await vi.waitFor(() => expect(probe.frames).toHaveLength(5));
    expect(probe.frames.map((f) => [f.type, f.meta?.seq])).toEqual([
      ['sockguard.welcome', undefined],
      ['news', 1],
      ['error', 2],
      ['sockguard.ack', undefined],
      ['ask', 3],
    ]);
  });

  it('resumes after last_seq with the replay, and closes the older connection of the session with 1000', async () => {
    const scenario = use();
    const first = await welcomed(scenario);
    for (const n of [1, 2, 3]) scenario.send('news', n);
    await vi.waitFor(() => expect(first.frames).toHaveLength(4));
    const second = await welcomed(scenario, 's1', 1, 'secret-1');
    expect(await first.closed).toBe(1000);
    await vi.waitFor(() => expect(second.frames).toHaveLength(3));
    expect(second.frames).toEqual([
      {
        type: 'sockguard.welcome',
        data: {
          v: 1,
          session: 's1',
          resumed: true,
          seq: 3,
          acked: 0,
          replay: 2,
          secret: 'secret-1',
        },
        meta: { request_id: 'sockguard.hello.2' },
      },
      { type: 'news', data: 2, meta: { seq: 2 } },
      { type: 'news', data: 3, meta: { seq: 3 } },
    ]);
  });

  it('a malformed hello makes a plain connection, told with error 4000 under its request_id', async () => {
    const scenario = use();
    const probe = await open();
    probe.send({ type: 'sockguard.hello', data: { v: 1 }, meta: { request_id: 'h1' } });
    await vi.waitFor(() => expect(probe.frames).toHaveLength(1));
    expect(probe.frames[0]).toMatchObject({
      type: 'error',
      data: { code: 4000 },
      meta: { request_id: 'h1' },
    });
    scenario.send('news', 1);
    await vi.waitFor(() => expect(probe.frames).toHaveLength(2));
    expect(probe.frames[1]).toEqual({ type: 'news', data: 1 });
    expect(scenario.welcomes).toEqual([]);
  });
});
