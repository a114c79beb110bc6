/**
 * Delivery you can trust, the client's half (issue 19; SPEC.md section 7; docs/protocol.md, rules
 * of the client side): a late welcome is a failed attempt, never a plain server; `unavailable` is
 * "try again"; acks, welcomes and numbers are checked, and what does not hold is a violation that
 * settles nothing; a new session never gets what was kept for the old one. A fake WebSocket plays
 * the server by hand, one finding per test.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ackOn,
  appFramesOf,
  helloOf,
  pushOn,
  receiptOf,
  watch,
  welcomeOn,
} from '../../test/support/delivery-wire.js';
import { FIRST_RETRY_MS, openLast, setup } from '../../test/support/socket-setup.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import { FaultError } from '../protocol/fault-error.js';
import { request } from '../request/request.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The second retry's delay with random 0.5: 250 + 0.5 × (2000 − 250). */
const SECOND_RETRY_MS = 1125;
/** A retry after `backoff`: the throttle floor (5000) and half a base of jitter. */
const BACKOFF_RETRY_MS = 5500;

type Setup = ReturnType<typeof setup>;
const faultOf = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof FaultError)) throw new Error(`not a FaultError: ${String(error)}`);
  return error.fault;
};
const lastCode = (s: Setup) => s.socket.getSnapshot().lastFault?.code;

/** The server drops the link (if open); the socket connects again after `delay`. */
async function reconnect(s: Setup, delay = FIRST_RETRY_MS) {
  if (s.ws().readyState === 1) s.ws().drop(1006);
  const before = s.WebSocket.instances.length;
  await vi.advanceTimersByTimeAsync(delay);
  expect(s.WebSocket.instances).toHaveLength(before + 1);
  return openLast(s);
}

describe('delivery: no silent downgrade', () => {
  it('slow welcome no longer downgrades: the attempt fails (hello_timeout), is retried with backoff, and says hello again', async () => {
    const s = setup({ heartbeat: false, delivery: delivery({ helloTimeoutMs: 3000 }) });
    const first = openLast(s);
    const sent = watch(receiptOf(s.socket.send('chat', 1)));
    await vi.advanceTimersByTimeAsync(3000);
    expect(appFramesOf(first)).toEqual([]);
    expect(first.closedByClient).not.toBeNull();
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      source: 'transport',
      code: 'hello_timeout',
      severity: 'recoverable',
    });
    expect(deliveryOf(s.socket).getSnapshot().mode).toBe('negotiating');
    // Backoff: the second failed hello waits longer than the first.
    const second = await reconnect(s);
    expect(helloOf(second).data).toEqual({ v: 1, session: null, last_seq: 0 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 2 });
    await vi.advanceTimersByTimeAsync(SECOND_RETRY_MS - 1);
    expect(s.WebSocket.instances).toHaveLength(2);
    const third = await reconnect(s, 1);
    welcomeOn(third);
    expect(appFramesOf(third)).toEqual([{ type: 'chat', data: 1, meta: { seq: 1 } }]);
    ackOn(third, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toMatchObject({ settled: true, value: 'acknowledged' });
    s.socket.close();
  });

  it('a connection never welcomed is never stable: the backoff grows across hello timeouts (defaults: 5 s each)', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    openLast(s);
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1 });
    await reconnect(s);
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 2 });
    await reconnect(s, SECOND_RETRY_MS);
    s.socket.close();
  });

  it('plain server still gives unconfirmed receipts: queued sends and every later send', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    const queued = receiptOf(s.socket.send('chat', 1));
    ws.receive({
      type: 'error',
      data: { code: 4000, message: 'unknown type' },
      meta: { request_id: helloOf(ws).meta?.request_id },
    });
    const later = s.socket.send('chat', 2);
    expect(later.status).toBe('sent');
    await expect(queued).resolves.toBe('unconfirmed');
    await expect(receiptOf(later)).resolves.toBe('unconfirmed');
    // At most once: no number goes to a server that does not know what it means.
    expect(appFramesOf(ws)).toEqual([
      { type: 'chat', data: 1, meta: { seq: 1 } },
      { type: 'chat', data: 2 },
    ]);
    // One queued while the link is down: unconfirmed once written on the next connection.
    ws.drop(1006);
    const away = watch(receiptOf(s.socket.send('chat', 3)));
    await vi.advanceTimersByTimeAsync(0);
    expect(away.settled).toBe(false);
    const next = await reconnect(s);
    expect(appFramesOf(next)).toEqual([{ type: 'chat', data: 3 }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(away).toMatchObject({ settled: true, value: 'unconfirmed' });
    s.socket.close();
  });

  it('a welcome of another major version is the server saying it does not speak this one: plain', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = setup({ heartbeat: false, delivery: delivery() });
    welcomeOn(openLast(s), { v: 2 });
    expect(deliveryOf(s.socket).getSnapshot().mode).toBe('plain');
    s.socket.close();
  });

  it('a malformed welcome (no secret) is a protocol violation, retried: never taken for plain', () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    welcomeOn(ws, { secret: undefined });
    expect(deliveryOf(s.socket).getSnapshot().mode).toBe('negotiating');
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      code: 'protocol_violation',
      severity: 'recoverable',
      action: 'reconnect',
    });
    expect(s.status()).toBe('reconnecting');
    s.socket.close();
  });
});

describe('delivery: a resume that cannot replay twice or strand', () => {
  it('unavailable does not reset highest seen: nothing of that welcome is applied, and it is retried with backoff', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const seen: unknown[] = [];
    s.socket.on('news', (e) => seen.push(e.data));
    const first = openLast(s);
    welcomeOn(first);
    for (const seq of [1, 2, 3]) pushOn(first, seq);
    const sent = watch(receiptOf(s.socket.send('chat', 'a')));
    const second = await reconnect(s);
    expect(helloOf(second).data).toMatchObject({ session: 's1', last_seq: 3 });
    const queued = watch(receiptOf(s.socket.send('chat', 'b')));
    welcomeOn(second, { resumed: false, reason: 'unavailable', seq: 0, acked: 1 });
    await vi.advanceTimersByTimeAsync(0);
    // No acked (the send stays pending), no flush (nothing written), no seq (see the next hello).
    expect(sent.settled).toBe(false);
    expect(queued.settled).toBe(false);
    expect(appFramesOf(second)).toEqual([]);
    expect(second.closedByClient).not.toBeNull();
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      code: 'session_unavailable',
      severity: 'recoverable',
      action: 'backoff',
    });
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({ session: 's1', recovery: null });
    expect(s.status()).toBe('reconnecting');
    expect(s.socket.getSnapshot()).toMatchObject({ nextRetryAt: BACKOFF_RETRY_MS + 625 });
    const third = await reconnect(s, BACKOFF_RETRY_MS);
    expect(helloOf(third).data).toEqual({ v: 1, session: 's1', last_seq: 3, secret: 'k1' });
    welcomeOn(third, { resumed: true, seq: 4, acked: 0, replay: 1 });
    pushOn(third, 4);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(appFramesOf(third).map((f) => f.data)).toEqual(['a', 'b']);
    s.socket.close();
  });

  it('a resumed: false welcome of the same session never moves the highest seen back', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const seen: unknown[] = [];
    s.socket.on('news', (e) => seen.push(e.data));
    const first = openLast(s);
    welcomeOn(first);
    for (const seq of [1, 2, 3, 4, 5]) pushOn(first, seq);
    const second = await reconnect(s);
    welcomeOn(second, { resumed: false, reason: 'history_gone', seq: 2 });
    expect(lastCode(s)).toBe('resync');
    pushOn(second, 3, 'replayed again');
    const third = await reconnect(s, SECOND_RETRY_MS);
    expect(helloOf(third).data).toMatchObject({ last_seq: 5 });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    s.socket.close();
  });

  it('a new session (unknown_session): sends written before are rejected as maybe processed, sends never written go in it', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcomeOn(first);
    const written = receiptOf(s.socket.send('chat', 'written'));
    const asked = request(s.socket, 'ask', 1).catch((e: unknown) => e);
    const second = await reconnect(s);
    const away = watch(receiptOf(s.socket.send('chat', 'away')));
    welcomeOn(second, { session: 's2', resumed: false, reason: 'unknown_session', secret: 'k2' });
    const fault = await faultOf(written);
    expect(fault).toMatchObject({ code: 'session_changed', severity: 'recoverable' });
    expect(fault.detail.cause).toMatch(/may have been processed/);
    expect(((await asked) as FaultError).fault.code).toBe('session_changed');
    expect(appFramesOf(second)).toEqual([{ type: 'chat', data: 'away', meta: { seq: 3 } }]);
    ackOn(second, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(away).toMatchObject({ settled: true, value: 'acknowledged' });
    expect(lastCode(s)).toBe('resync');
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({ session: 's2', unacked: 0 });
    // The next hello names the new session with its own secret.
    const third = await reconnect(s, SECOND_RETRY_MS);
    expect(helloOf(third).data).toEqual({ v: 1, session: 's2', last_seq: 0, secret: 'k2' });
    s.socket.close();
  });
});

describe('delivery: the client checks the server', () => {
  it('ack before welcome settles nothing: a protocol violation, the link is left and retried', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcomeOn(first);
    const one = watch(receiptOf(s.socket.send('chat', 1)));
    first.drop(1006);
    const two = watch(receiptOf(s.socket.send('chat', 2)));
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const second = openLast(s);
    ackOn(second, 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(one.settled).toBe(false);
    expect(two.settled).toBe(false);
    expect(s.socket.getSnapshot().lastFault).toMatchObject({
      code: 'protocol_violation',
      severity: 'recoverable',
      action: 'reconnect',
    });
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toMatch(/ack before the welcome/);
    expect(second.closedByClient).not.toBeNull();
    expect(appFramesOf(second)).toEqual([]);
    expect(s.status()).toBe('reconnecting');
    const third = await reconnect(s, SECOND_RETRY_MS);
    welcomeOn(third, { resumed: true, acked: 0 });
    expect(appFramesOf(third).map((f) => f.meta?.seq)).toEqual([1, 2]);
    s.socket.close();
  });

  it('welcome acked above anything sent settles nothing: a protocol violation', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcomeOn(first);
    const one = watch(receiptOf(s.socket.send('chat', 1)));
    first.drop(1006);
    const two = watch(receiptOf(s.socket.send('chat', 2)));
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const second = openLast(s);
    // 2 was never written: a server that says it processed it is not believed.
    welcomeOn(second, { resumed: true, acked: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(one.settled).toBe(false);
    expect(two.settled).toBe(false);
    expect(lastCode(s)).toBe('protocol_violation');
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toMatch(
      /welcome acked 2, above 1, the highest seq sent in the session/,
    );
    expect(appFramesOf(second)).toEqual([]);
    expect(deliveryOf(s.socket).getSnapshot().unacked).toBe(2);
    // The next send is numbered after the client's own numbers, not the server's.
    expect(appFramesOf(first)).toEqual([{ type: 'chat', data: 1, meta: { seq: 1 } }]);
    s.socket.close();
  });

  it('a first welcome that acknowledges anything is a violation: nothing was sent in a new session', () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const sent = watch(receiptOf(s.socket.send('chat', 1)));
    welcomeOn(openLast(s), { acked: 5 });
    expect(lastCode(s)).toBe('protocol_violation');
    expect(sent.settled).toBe(false);
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({ session: null, unacked: 1 });
    s.socket.close();
  });

  it('an ack above the highest seq written on the connection settles nothing', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    welcomeOn(ws);
    const one = watch(receiptOf(s.socket.send('chat', 1)));
    ackOn(ws, 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(one.settled).toBe(false);
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toMatch(/ack 2, above 1/);
    expect(s.status()).toBe('reconnecting');
    s.socket.close();
  });

  it('gap 1, 2, 5, 6 never reaches handlers, and the next hello says last_seq 2', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const seen: unknown[] = [];
    s.socket.on('news', (e) => seen.push(e.data));
    const ws = openLast(s);
    welcomeOn(ws);
    for (const seq of [1, 2, 5, 6]) pushOn(ws, seq);
    expect(seen).toEqual([1, 2]);
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ code: 'protocol_violation' });
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toMatch(
      /gap: seq 5 after 2; resuming after 2/,
    );
    const next = await reconnect(s);
    expect(helloOf(next).data).toMatchObject({ session: 's1', last_seq: 2 });
    welcomeOn(next, { resumed: true, seq: 6, replay: 4 });
    for (const seq of [3, 4, 5, 6]) pushOn(next, seq);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    s.socket.close();
  });

  it.each([
    ['2^53', 2 ** 53],
    ['a fraction', 1.5],
    ['a string', '1'],
    ['zero', 0],
    ['negative', -1],
  ])(
    'a server seq that is not a safe positive integer (%s) is a violation, never handed on',
    (_, seq) => {
      const s = setup({ heartbeat: false, delivery: delivery() });
      const seen = vi.fn();
      s.socket.on('news', seen);
      welcomeOn(openLast(s));
      pushOn(s.ws(), seq);
      expect(seen).not.toHaveBeenCalled();
      expect(lastCode(s)).toBe('protocol_violation');
      s.socket.close();
    },
  );

  it('a numbered message before the welcome is a violation, never handed on', () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const seen = vi.fn();
    s.socket.on('news', seen);
    pushOn(openLast(s), 1);
    expect(seen).not.toHaveBeenCalled();
    expect(lastCode(s)).toBe('protocol_violation');
    s.socket.close();
  });
});

describe('delivery: a user switch is a new session', () => {
  it('other_principal rejects kept frames and sends none of them in the new session', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const first = openLast(s);
    welcomeOn(first);
    const written = receiptOf(s.socket.send('chat', 'written'));
    const asked = request(s.socket, 'ask', 1).catch((e: unknown) => e);
    first.drop(1006);
    const queued = receiptOf(s.socket.send('chat', 'queued'));
    await vi.advanceTimersByTimeAsync(FIRST_RETRY_MS);
    const second = openLast(s);
    welcomeOn(second, { session: 's2', reason: 'other_principal', secret: 'k2' });
    expect(appFramesOf(second)).toEqual([]);
    const maybe = await faultOf(written);
    expect(maybe.code).toBe('session_changed');
    expect(maybe.detail.cause).toMatch(/another user.*may have been processed/);
    const never = await faultOf(queued);
    expect(never.detail.cause).toMatch(/another user/);
    expect(never.detail.cause).not.toMatch(/may have been processed/);
    expect(((await asked) as FaultError).fault.code).toBe('session_changed');
    // The app is told; the highest seen starts from the new session.
    expect(s.socket.getSnapshot().lastFault).toMatchObject({ code: 'session_changed' });
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({
      session: 's2',
      unacked: 0,
      recovery: { resumed: false, reason: 'other_principal' },
    });
    const seen: unknown[] = [];
    s.socket.on('news', (e) => seen.push(e.data));
    pushOn(second, 1);
    expect(seen).toEqual([1]);
    s.socket.send('chat', 'new');
    expect(appFramesOf(second)).toEqual([{ type: 'chat', data: 'new', meta: { seq: 4 } }]);
    s.socket.close();
  });

  it('endSession() rejects what was kept, forgets the session, its secret and the highest seen: the next connection starts a new session', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    const ws = openLast(s);
    welcomeOn(ws);
    pushOn(ws, 1);
    const asked = request(s.socket, 'ask', 1).catch((e: unknown) => e);
    const written = receiptOf(s.socket.send('chat', 'written'));
    ackOn(ws, 1); // the request is processed; its reply has not come
    deliveryOf(s.socket).endSession();
    const fault = await faultOf(written);
    expect(fault).toMatchObject({ code: 'session_changed' });
    expect(fault.detail.cause).toMatch(/endSession\(\).*may have been processed/);
    expect(((await asked) as FaultError).fault.code).toBe('session_changed');
    expect(deliveryOf(s.socket).getSnapshot()).toMatchObject({ session: null, unacked: 0 });
    // The connection in the old session is left; the next one starts a new session.
    expect(ws.closedByClient).not.toBeNull();
    const next = openLast(s);
    expect(helloOf(next).data).toEqual({ v: 1, session: null, last_seq: 0 });
    const after = watch(receiptOf(s.socket.send('chat', 'after')));
    welcomeOn(next, { session: 's2', secret: 'k2' });
    expect(lastCode(s)).not.toBe('resync');
    expect(appFramesOf(next)).toEqual([{ type: 'chat', data: 'after', meta: { seq: 3 } }]);
    ackOn(next, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(after).toMatchObject({ settled: true, value: 'acknowledged' });
    s.socket.close();
  });

  it('endSession() on a socket that is down starts no connection; a send made before it was never sent', async () => {
    const s = setup({ heartbeat: false, delivery: delivery() });
    welcomeOn(openLast(s));
    s.ws().drop(1006);
    const queued = receiptOf(s.socket.send('chat', 1));
    const instances = s.WebSocket.instances.length;
    deliveryOf(s.socket).endSession();
    expect((await faultOf(queued)).detail.cause).toMatch(/before it was sent/);
    expect(s.WebSocket.instances).toHaveLength(instances);
    const next = await reconnect(s);
    expect(helloOf(next).data).toEqual({ v: 1, session: null, last_seq: 0 });
    expect(appFramesOf(next)).toEqual([]);
    s.socket.close();
  });
});

describe('delivery: tokens and secrets out of faults and logs', () => {
  const TOKEN = 'secret-1'; // the token of TEST_URL

  it('token echoed bare in a close reason is redacted from the fault, the snapshot, the store and the log', () => {
    const onFault = vi.fn();
    const s = setup({ heartbeat: false, errors: { onFault } });
    openLast(s).drop(4000, `no user for ${TOKEN} here`);
    const fault = s.socket.getSnapshot().lastFault;
    expect(fault?.detail.closeReason).toBe('no user for [redacted] here');
    expect(JSON.stringify(s.socket.getSnapshot())).not.toContain(TOKEN);
    expect(JSON.stringify(s.socket.errors.getState())).not.toContain(TOKEN);
    expect(JSON.stringify(onFault.mock.calls)).not.toContain(TOKEN);
  });

  it('a token echoed bare in an error message or a broken frame is redacted, from url() too', async () => {
    const onFault = vi.fn();
    const token = 'tok-98765';
    const s = setup({
      heartbeat: false,
      url: () => `wss://chat.test/ws?user=alice&access=${token}`,
      errors: { onFault },
    });
    await vi.advanceTimersByTimeAsync(0);
    const ws = openLast(s);
    ws.receive({ type: 'error', data: { code: 4001, message: `Room of ${token} not found` } });
    ws.receive(`{"broken": "${token}`);
    const faults = s.socket.errors.getState().history;
    expect(faults.map((f) => f.code)).toEqual(['invalid_frame', 4001]);
    expect(faults[1]?.message).toBe('Room of [redacted] not found');
    expect(JSON.stringify(faults)).not.toContain(token);
    expect(JSON.stringify(onFault.mock.calls)).not.toContain(token);
    s.socket.close();
  });

  it('a token in what refreshAuth throws is redacted from the fault it ends in', async () => {
    const s = setup({
      heartbeat: false,
      refreshAuth: async () => {
        throw new Error(`no refresh for ${TOKEN}`);
      },
    });
    openLast(s).drop(4003, 'expired');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toBe('failed');
    expect(s.socket.getSnapshot().lastFault?.detail.cause).toBe(
      'refreshAuth failed: Error: no refresh for [redacted]',
    );
    expect(JSON.stringify([s.socket.getSnapshot(), s.socket.errors.getState()])).not.toContain(
      TOKEN,
    );
  });

  it('the resume secret never appears in a snapshot, a fault or a log, whatever the server echoes', () => {
    const onFault = vi.fn();
    const s = setup({ heartbeat: false, delivery: delivery(), errors: { onFault } });
    const ws = openLast(s);
    welcomeOn(ws, { secret: 'resume-key-77' });
    ws.receive({ type: 'error', data: { code: 4000, message: 'bad resume-key-77' } });
    ws.drop(4000, 'secret resume-key-77 rejected');
    const shown = JSON.stringify([
      s.socket.getSnapshot(),
      deliveryOf(s.socket).getSnapshot(),
      s.socket.errors.getState(),
      onFault.mock.calls,
    ]);
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain('resume-key-77');
    s.socket.close();
  });
});

describe('delivery: every buffer has a bound', () => {
  it('a send beyond maxUnacked is refused with queue_overflow: nothing kept, no number taken', async () => {
    const s = setup({ heartbeat: false, delivery: delivery({ maxUnacked: 2 }) });
    const ws = openLast(s);
    welcomeOn(ws);
    s.socket.send('chat', 1);
    s.socket.send('chat', 2);
    const refused = s.socket.send('chat', 3);
    expect(refused).toMatchObject({ status: 'rejected', fault: { code: 'queue_overflow' } });
    if (refused.status === 'rejected')
      expect(refused.fault.detail.cause).toMatch(/delivery\.maxUnacked \(2\)/);
    await expect(request(s.socket, 'ask', 1)).rejects.toMatchObject({
      fault: { code: 'queue_overflow' },
    });
    ackOn(ws, 2);
    s.socket.send('chat', 4);
    expect(appFramesOf(ws).map((f) => f.meta?.seq)).toEqual([1, 2, 3]);
    expect(deliveryOf(s.socket).getSnapshot().unacked).toBe(1);
    s.socket.close();
  });

  it('maxUnacked is checked when made, naming the option', () => {
    expect(() => delivery({ maxUnacked: 0 })).toThrow(/delivery\.maxUnacked/);
    expect(() => delivery({ maxUnacked: 1.5 })).toThrow(/delivery\.maxUnacked/);
  });
});
