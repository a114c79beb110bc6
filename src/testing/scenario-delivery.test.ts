/**
 * A scenario that speaks delivery (docs/protocol.md "Delivery"), driven by a real `createSocket`
 * with `delivery()` over msw (happy-dom's WebSocket), under fake timers: what a user's test of
 * "pending, then delivered", "recovered N missed messages" and "resync" does.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryOf } from '../delivery/plugin.js';
import { createSocket, type Delivered, delivery, type SendResult } from '../index.js';
import { helloFrame } from '../protocol/delivery.js';
import { FaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';
import { createScenario, type ScenarioOptions } from './scenario.js';

const URL = 'wss://delivery.test/ws';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

/** The first retry with random 0.5 and the default policy: 250 + 0.5 × (1000 − 250). */
const RETRY_MS = 625;
/** Lets msw's deliveries (microtasks and zero timers) run. */
const tick = () => vi.advanceTimersByTimeAsync(0);

async function start(delivered: ScenarioOptions['delivery'] = true) {
  vi.useFakeTimers({ now: 0 });
  const scenario = createScenario(URL, { delivery: delivered });
  server.use(scenario.handler);
  const socket = createSocket({
    url: URL,
    delivery: delivery(),
    random: () => 0.5,
    environment: false,
    heartbeat: false,
  });
  await tick();
  return { scenario, socket };
}

type Started = Awaited<ReturnType<typeof start>>;

/** The server drops the link; the socket reconnects and is welcomed again. */
async function dropAndReconnect({ scenario }: Started, whileAway: () => void = () => {}) {
  const welcomes = scenario.welcomes.length;
  scenario.drop();
  await tick();
  whileAway();
  await vi.advanceTimersByTimeAsync(RETRY_MS);
  await tick();
  expect(scenario.welcomes).toHaveLength(welcomes + 1);
  return scenario.welcomes[welcomes];
}

/** The fault a promise rejected with. */
async function faultOf(promise: Promise<unknown>) {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof FaultError)) throw new Error(`not a FaultError: ${String(error)}`);
  return error.fault;
}

function receipt(result: SendResult): Promise<Delivered> {
  if (result.status === 'rejected' || !result.delivered) throw new Error('no receipt');
  return result.delivered;
}

/** Whether a promise has settled, without waiting for it. */
function watch<T>(promise: Promise<T>) {
  const state = { settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

const numbered = (scenario: Started['scenario'], type: string) =>
  scenario.sent.filter((e) => e.type === type).map((e) => e.meta?.seq);

describe('createScenario({ delivery: true }) with a real socket: sends', () => {
  it('welcomes the first hello with a new session, and a send resolves acknowledged once processed', async () => {
    const started = await start();
    const { scenario, socket } = started;
    expect(scenario.welcomes).toEqual([
      { v: 1, session: 's1', resumed: false, seq: 0, acked: 0, secret: 'secret-1' },
    ]);
    expect(deliveryOf(socket).getSnapshot()).toMatchObject({ mode: 'on', session: 's1' });
    const result = socket.send('note', { text: 'a' });
    await tick();
    await expect(receipt(result)).resolves.toBe('acknowledged');
    expect(scenario.processed).toEqual([{ type: 'note', data: { text: 'a' }, meta: { seq: 1 } }]);
    expect(deliveryOf(socket).getSnapshot().unacked).toBe(0);
    socket.close();
  });

  it('holdAcks keeps processed sends pending on the client until releaseAcks', async () => {
    const { scenario, socket } = await start();
    scenario.holdAcks();
    const one = watch(receipt(socket.send('note', 1)));
    const two = receipt(socket.send('note', 2));
    await tick();
    expect(scenario.processed.map((e) => e.data)).toEqual([1, 2]);
    expect(deliveryOf(socket).getSnapshot().unacked).toBe(2);
    expect(one.settled).toBe(false);
    scenario.releaseAcks();
    await tick();
    await expect(two).resolves.toBe('acknowledged');
    expect(one.settled).toBe(true);
    expect(deliveryOf(socket).getSnapshot().unacked).toBe(0);
    socket.close();
  });

  it('held acks across a server-side drop: the welcome says acked, so nothing is sent twice', async () => {
    const started = await start();
    const { scenario, socket } = started;
    scenario.holdAcks();
    const sent = receipt(socket.send('note', 'kept'));
    await tick();
    expect(deliveryOf(socket).getSnapshot().unacked).toBe(1);
    const welcome = await dropAndReconnect(started);
    expect(welcome).toMatchObject({ session: 's1', resumed: true, acked: 1 });
    await expect(sent).resolves.toBe('acknowledged');
    expect(numbered(scenario, 'note')).toEqual([1]);
    expect(scenario.processed).toHaveLength(1);
    socket.close();
  });

  it('sends made while the link is down go out after the welcome, in order, each processed once', async () => {
    const started = await start();
    const { scenario, socket } = started;
    socket.send('note', 'before');
    await tick();
    const receipts: Promise<Delivered>[] = [];
    await dropAndReconnect(started, () => {
      receipts.push(receipt(socket.send('note', 'away 1')), receipt(socket.send('note', 'away 2')));
    });
    await expect(Promise.all(receipts)).resolves.toEqual(['acknowledged', 'acknowledged']);
    expect(scenario.processed.map((e) => [e.data, e.meta?.seq])).toEqual([
      ['before', 1],
      ['away 1', 2],
      ['away 2', 3],
    ]);
    expect(scenario.duplicates).toEqual([]);
    socket.close();
  });

  it('a request the silent scenario never processed is sent again under the same seq and answered once', async () => {
    const started = await start();
    const { scenario, socket } = started;
    const answer = vi.fn(() => 42);
    scenario.reply('ask', answer);
    scenario.goSilent();
    const reply = request(socket, 'ask', 1);
    await tick();
    expect(scenario.processed).toEqual([]);
    scenario.drop();
    scenario.goSilent(false);
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    await tick();
    await expect(reply).resolves.toMatchObject({ data: 42 });
    expect(answer).toHaveBeenCalledTimes(1);
    const asks = scenario.sent.filter((e) => e.type === 'ask');
    expect(asks).toHaveLength(2);
    expect(asks[1]?.meta).toEqual(asks[0]?.meta);
    socket.close();
  });
});

describe('createScenario({ delivery: true }) with a real socket: server messages', () => {
  it('what the scenario sent while the client was away is replayed on resume, each seen once, in order', async () => {
    const started = await start();
    const { scenario, socket } = started;
    const seen: unknown[] = [];
    socket.on('news', (e) => seen.push(e.data));
    scenario.send('news', 1);
    scenario.send('news', 2);
    await tick();
    const welcome = await dropAndReconnect(started, () => {
      scenario.send('news', 3);
      scenario.send('news', 4);
    });
    expect(welcome).toEqual({
      v: 1,
      session: 's1',
      resumed: true,
      seq: 4,
      acked: 0,
      replay: 2,
      secret: 'secret-1',
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(deliveryOf(socket).getSnapshot().recovery).toMatchObject({ resumed: true, replayed: 2 });
    scenario.send('news', 5);
    await tick();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    socket.close();
  });

  it('a reply computed while the client was away is kept for the session and replayed: the request resolves', async () => {
    const started = await start();
    const { scenario, socket } = started;
    let answer: (value: number) => void = () => {};
    scenario.reply('ask', () => new Promise<number>((resolve) => (answer = resolve)));
    const reply = request(socket, 'ask', 1);
    await tick();
    expect(scenario.processed).toHaveLength(1);
    const welcome = await dropAndReconnect(started, () => answer(42));
    expect(welcome).toMatchObject({ resumed: true, replay: 1 });
    await expect(reply).resolves.toMatchObject({ data: 42 });
    expect(scenario.processed).toHaveLength(1);
    socket.close();
  });

  it('failNextResume(): a resync fault, the missed message never reaches handlers, live ones do', async () => {
    const started = await start();
    const { scenario, socket } = started;
    const seen: unknown[] = [];
    socket.on('news', (e) => seen.push(e.data));
    scenario.send('news', 'seen');
    await tick();
    scenario.failNextResume();
    const welcome = await dropAndReconnect(started, () => scenario.send('news', 'missed'));
    expect(welcome).toMatchObject({
      session: 's1',
      resumed: false,
      reason: 'history_gone',
      seq: 2,
    });
    expect(socket.getSnapshot().lastFault).toMatchObject({ code: 'resync', action: 'resync' });
    expect(deliveryOf(socket).getSnapshot().recovery).toMatchObject({
      resumed: false,
      reason: 'history_gone',
    });
    scenario.send('news', 'live');
    await tick();
    expect(seen).toEqual(['seen', 'live']);
    socket.close();
  });

  it("failNextResume('unknown_session') welcomes the client into a new session", async () => {
    const started = await start();
    const { scenario, socket } = started;
    scenario.failNextResume('unknown_session');
    const welcome = await dropAndReconnect(started);
    expect(welcome).toMatchObject({ session: 's2', resumed: false, reason: 'unknown_session' });
    expect(deliveryOf(socket).getSnapshot()).toMatchObject({
      session: 's2',
      recovery: { resumed: false, reason: 'unknown_session' },
    });
    socket.close();
  });

  it('a gap longer than historyLimit resumes as history_gone without being asked', async () => {
    const started = await start({ historyLimit: 2 });
    const { scenario, socket } = started;
    const welcome = await dropAndReconnect(started, () => {
      for (const n of [1, 2, 3]) scenario.send('news', n);
    });
    expect(welcome).toMatchObject({ resumed: false, reason: 'history_gone', seq: 3 });
    expect(socket.getSnapshot().lastFault?.code).toBe('resync');
    socket.close();
  });
});

describe('createScenario({ delivery: true }): other clients and misuse', () => {
  it('a client without delivery stays plain: messages reach it unnumbered', async () => {
    vi.useFakeTimers({ now: 0 });
    const scenario = createScenario(URL, { delivery: true });
    server.use(scenario.handler);
    const socket = createSocket({ url: URL, environment: false, heartbeat: false });
    const seen: unknown[] = [];
    socket.on('news', (e) => seen.push(e));
    await tick();
    socket.send('note', 'hi');
    await tick();
    scenario.send('news', 1);
    await tick();
    expect(seen).toEqual([{ type: 'news', data: 1 }]);
    expect(scenario.welcomes).toEqual([]);
    expect(scenario.processed).toEqual([{ type: 'note', data: 'hi' }]);
    socket.close();
  });

  it('the delivery members need the option, and say so', () => {
    const scenario = createScenario(URL);
    expect(() => scenario.holdAcks()).toThrow(/delivery: true/);
    expect(() => scenario.failNextResume()).toThrow(/failNextResume\(\) needs/);
    expect(() => createScenario(URL, { delivery: { historyLimit: -1 } })).toThrow(/historyLimit/);
  });

  it('a receipt whose send the scenario never acknowledged rejects on close(): it may have arrived', async () => {
    const { scenario, socket } = await start();
    scenario.holdAcks();
    const sent = receipt(socket.send('note', 1));
    await tick();
    socket.close();
    const error = await sent.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultError);
    expect((error as FaultError).fault.detail.cause).toContain('may have arrived');
  });
});

describe('createScenario({ delivery }) follows the server rules: secret, principal, unavailable', () => {
  /** A scenario whose principal is the `user` of the URL, and a socket whose url() says who. */
  async function twoUsers() {
    vi.useFakeTimers({ now: 0 });
    const scenario = createScenario(URL, {
      delivery: { principal: (url) => url.searchParams.get('user') ?? undefined },
    });
    server.use(scenario.handler);
    const who = { user: 'alice' };
    const socket = createSocket({
      url: () => `${URL}?user=${who.user}`,
      delivery: delivery(),
      random: () => 0.5,
      environment: false,
      heartbeat: false,
    });
    await tick();
    return { scenario, socket, who };
  }

  it('user switch via url() and reconnect() sends nothing of the old session, and shows nothing of it', async () => {
    const { scenario, socket, who } = await twoUsers();
    const seen: unknown[] = [];
    socket.on('news', (e) => seen.push(e.data));
    scenario.holdAcks();
    const kept = receipt(socket.send('note', 'alice 1'));
    await tick();
    scenario.goSilent();
    const unsent = receipt(socket.send('note', 'alice 2'));
    await tick();
    scenario.goSilent(false);
    scenario.send('news', 'for alice');
    await tick();
    // Alice logs out, Bob logs in in the same tab: url() gives Bob's token, then reconnect().
    who.user = 'bob';
    const welcomes = scenario.welcomes.length;
    socket.reconnect();
    await tick();
    expect(scenario.welcomes[welcomes]).toMatchObject({
      session: 's2',
      resumed: false,
      reason: 'other_principal',
    });
    const bobs = receipt(socket.send('note', 'bob 1'));
    scenario.releaseAcks();
    await tick();
    await expect(bobs).resolves.toBe('acknowledged');
    // Processed in Bob's session: Bob's send only. Alice's frames never went into it.
    expect(scenario.processed.map((e) => e.data)).toEqual(['alice 1', 'bob 1']);
    expect(scenario.sent.filter((e) => e.data === 'alice 2')).toHaveLength(1);
    expect((await faultOf(kept)).code).toBe('session_changed');
    expect((await faultOf(unsent)).code).toBe('session_changed');
    expect(seen).toEqual(['for alice']);
    expect(deliveryOf(socket).getSnapshot()).toMatchObject({ session: 's2', unacked: 0 });
    expect(socket.getSnapshot().lastFault?.code).toBe('session_changed');
    socket.close();
  });

  it('logout: endSession() rejects what was kept and the next user starts a new session', async () => {
    const { scenario, socket, who } = await twoUsers();
    scenario.holdAcks();
    const kept = receipt(socket.send('note', 'alice'));
    await tick();
    // What url() returns changes first: the connection endSession() starts is Bob's.
    who.user = 'bob';
    deliveryOf(socket).endSession();
    await tick();
    expect((await faultOf(kept)).detail.cause).toMatch(/endSession/);
    expect(scenario.welcomes.at(-1)).toMatchObject({ session: 's2', resumed: false });
    expect(scenario.welcomes.at(-1)?.reason).toBeUndefined();
    expect(scenario.urls.at(-1)?.searchParams.get('user')).toBe('bob');
    socket.close();
  });

  it('a hello with a wrong secret gets a new session, and the owner of the session keeps it', async () => {
    const started = await start();
    const { scenario } = started;
    scenario.send('news', 1);
    await tick();
    const probe = new WebSocket(URL);
    await new Promise((resolve) => probe.addEventListener('open', resolve));
    probe.send(helloFrame('s1', 0, 'intruder', 'guessed'));
    await scenario.waitForWelcome(2);
    expect(scenario.welcomes[1]).toMatchObject({
      session: 's2',
      resumed: false,
      reason: 'unknown_session',
    });
    expect(scenario.openConnections).toBe(2);
    probe.close();
    started.socket.close();
  });

  it("failNextResume('unavailable'): the client applies nothing and comes back after a backoff", async () => {
    const started = await start();
    const { scenario, socket } = started;
    const seen: unknown[] = [];
    socket.on('news', (e) => seen.push(e.data));
    scenario.send('news', 1);
    scenario.holdAcks();
    const sent = watch(receipt(socket.send('note', 'a')));
    await tick();
    scenario.failNextResume('unavailable');
    scenario.drop();
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    await tick();
    expect(scenario.welcomes.at(-1)).toMatchObject({ reason: 'unavailable' });
    expect(socket.getSnapshot().lastFault?.code).toBe('session_unavailable');
    expect(socket.getSnapshot().status).toBe('reconnecting');
    expect(scenario.processed).toHaveLength(1);
    scenario.releaseAcks();
    await vi.advanceTimersByTimeAsync(6000);
    await tick();
    expect(scenario.welcomes.at(-1)).toMatchObject({ session: 's1', resumed: true, acked: 1 });
    await tick();
    expect(sent.settled).toBe(true);
    expect(seen).toEqual([1]);
    socket.close();
  });
});
