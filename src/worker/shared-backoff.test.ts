/**
 * A `backoff` function with tab sharing (issue 21): the worker's socket asks it of a live tab over
 * its port, with the retry's input, and the tab runs its own function. A tab that leaves or does
 * not answer in `askTimeoutMs` hands the question to another tab; no tab answering (or the core's
 * 10 s bound) falls back to the default policy for that retry with one `callback_error`; a throw
 * in the tab, or an answer that is not a delay, does the same. Tabs of one key must agree on it.
 * In-memory ports, fake clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, world } from '../../test/support/worker-kit.js';
import type { BackoffInput } from '../core/backoff.js';
import type { SocketOptions } from '../core/options.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** The default policy's first delay with the world's random draw of 0.5: 250 + 0.5 × 750. */
const DEFAULT_FIRST_MS = 625;

/** A world whose tabs (same options) are joined and whose one WebSocket is open. */
async function opened(tabs: number, extra: Partial<SocketOptions>, hubOptions = {}) {
  const w = world(hubOptions);
  const all = Array.from({ length: tabs }, () => w.tab(extra, { key: 'k' }));
  await flush();
  w.WebSocket.last().open();
  await flush();
  expect(all[0]?.socket.getSnapshot().status).toBe('open');
  return { ...w, tabs: all };
}

/** Drops the open WebSocket at the current time (the fault the retry is timed from). */
const drop = (w: { WebSocket: { last(): { drop(code: number): void } } }) =>
  w.WebSocket.last().drop(1006);

describe('a backoff function is asked of a tab', () => {
  it('with the retry (attempt, fault, hint, draw); its answer times the retry from the fault', async () => {
    const seen: BackoffInput[] = [];
    const w = await opened(2, {
      backoff: (input) => {
        seen.push(input);
        return 700;
      },
    });
    drop(w);
    await flush();
    // Asked of one tab only (the first visible one).
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      attempt: 1,
      fault: { source: 'close', code: 1006 },
      hintMs: 0,
      random: 0.5,
    });
    for (const tab of w.tabs)
      expect(tab.socket.getSnapshot()).toMatchObject({ status: 'reconnecting', nextRetryAt: 700 });
    await advance(699);
    expect(w.WebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(2);
    for (const tab of w.tabs) expect(tab.faults()).toEqual(['close:1006']);
  });

  it('an async function in the tab: its promised delay is used', async () => {
    const w = await opened(1, {
      backoff: (input) =>
        new Promise<number>((ok) => setTimeout(() => ok(input.attempt * 400), 100)),
    });
    drop(w);
    await advance(399);
    expect(w.WebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(2);
    expect(w.tabs[0]?.faults()).toEqual(['close:1006']);
  });

  it('null from the tab gives up: every tab sees the socket failed, unreachable', async () => {
    const w = await opened(2, { backoff: () => null });
    drop(w);
    await flush();
    for (const tab of w.tabs) {
      expect(tab.socket.getSnapshot()).toMatchObject({
        status: 'failed',
        fault: { code: 'unreachable' },
      });
    }
  });
});

describe('another tab, or the default policy', () => {
  it('the asked tab leaves mid-question: the next tab is asked at once, and its answer is used', async () => {
    let calls = 0;
    const backoff = () => {
      calls += 1;
      // The first tab asked never answers (a page busy, then closed).
      return calls === 1 ? new Promise<number>(() => {}) : 300;
    };
    // A long ask timeout: only the tab leaving can move the question on.
    const w = await opened(2, { backoff }, { askTimeoutMs: 600_000 });
    drop(w);
    await advance(100);
    expect(calls).toBe(1);
    w.tabs[0]?.socket.close();
    await flush();
    expect(calls).toBe(2);
    await advance(199);
    expect(w.WebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(2);
    expect(w.tabs[1]?.faults()).toEqual(['close:1006']);
  });

  it('the asked tab does not answer in askTimeoutMs: the next tab is asked then', async () => {
    let calls = 0;
    const backoff = () => {
      calls += 1;
      return calls === 1 ? new Promise<number>(() => {}) : 3000;
    };
    const w = await opened(2, { backoff }, { askTimeoutMs: 1000 });
    drop(w);
    await advance(999);
    expect(calls).toBe(1);
    await advance(1);
    expect(calls).toBe(2);
    await advance(1999);
    expect(w.WebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(2);
    for (const tab of w.tabs) expect(tab.faults()).toEqual(['close:1006']);
  });

  it('no tab answers (each asked in turn): the default policy times the retry, one callback_error in every tab', async () => {
    const backoff = () => new Promise<number>(() => {});
    const w = await opened(2, { backoff }, { askTimeoutMs: 1000 });
    drop(w);
    await advance(1999);
    expect(w.tabs[0]?.faults()).toEqual([]);
    await advance(1);
    for (const tab of w.tabs) {
      expect(tab.faults()).toEqual(['client:callback_error', 'close:1006']);
      const [f] = tab.socket.errors.getState().history.filter((x) => x.code === 'callback_error');
      expect(f?.detail.cause).toBe(
        'the backoff function threw Error: no tab answered backoff() (2 asked in turn)',
      );
    }
    // The default policy's first delay from the fault is past: the retry is due at once.
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(2);
  });

  it("no answer within the core's 10 s bound (tabs slower than it): the default policy, one callback_error", async () => {
    const backoff = () => new Promise<number>(() => {});
    const w = await opened(3, { backoff }, { askTimeoutMs: 6000 });
    drop(w);
    await advance(9999);
    expect(w.WebSocket.instances).toHaveLength(1);
    expect(w.tabs[0]?.faults()).toEqual([]);
    await advance(2);
    expect(w.WebSocket.instances).toHaveLength(2);
    const causes = w.tabs[0]?.socket.errors
      .getState()
      .history.filter((x) => x.code === 'callback_error')
      .map((x) => x.detail.cause);
    expect(causes).toEqual(['the backoff function threw Error: it did not settle within 10000 ms']);
    // The retry opens; the question goes on to the third tab at 12 s, which answers nothing
    // either (no tab answered, at 18 s): not reported again.
    w.WebSocket.last().open();
    await advance(20_000);
    expect(w.tabs[0]?.socket.getSnapshot().status).toBe('open');
    expect(w.tabs[0]?.faults().filter((x) => x === 'client:callback_error')).toHaveLength(1);
  });

  it('a function that throws in the tab: the default policy for that retry, its throw a callback_error in the tabs', async () => {
    const w = await opened(2, {
      backoff: () => {
        throw new Error('policy bug');
      },
    });
    drop(w);
    await flush();
    for (const tab of w.tabs) {
      expect(tab.faults()).toEqual(['client:callback_error', 'close:1006']);
      expect(tab.socket.errors.getState().history[1]?.detail.cause).toBe(
        'the backoff function threw Error: Error: policy bug',
      );
    }
    await advance(DEFAULT_FIRST_MS - 1);
    expect(w.WebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(w.WebSocket.instances).toHaveLength(2);
  });

  it('an answer that is not a delay (a string) is not trusted: the default policy, a callback_error', async () => {
    const w = await opened(1, { backoff: () => '5' as unknown as number });
    drop(w);
    await flush();
    const f = w.tabs[0]?.socket.errors.getState().history.find((x) => x.code === 'callback_error');
    expect(f?.detail.cause).toBe(
      'the backoff function threw Error: backoff() returned what cannot be sent',
    );
    await advance(DEFAULT_FIRST_MS);
    expect(w.WebSocket.instances).toHaveLength(2);
  });
});

describe('tabs of one key agree on backoff', () => {
  const hundred = (): number => 100;
  const rows: Array<[string, Partial<SocketOptions>, Partial<SocketOptions>]> = [
    ['a function and none', { backoff: hundred }, {}],
    ['a function and a policy', { backoff: hundred }, { backoff: { baseMs: 100 } }],
    ['two different functions', { backoff: hundred }, { backoff: (): number => 200 }],
  ];
  it.each(rows)('%s: the second tab is refused, naming backoff', async (_name, first, second) => {
    const w = world();
    w.tab(first, { key: 'k' });
    const b = w.tab(second, { key: 'k' });
    await flush();
    expect(b.socket.getSnapshot().status).toBe('failed');
    expect(b.socket.errors.getState().history[0]?.detail.cause).toMatch(/backoff/);
  });

  it('the same function (by its source) in two tabs: both join', async () => {
    const w = world();
    const tabs = [
      w.tab({ backoff: () => 100 }, { key: 'k' }),
      w.tab({ backoff: () => 100 }, { key: 'k' }),
    ];
    await flush();
    for (const tab of tabs) expect(tab.socket.getSnapshot().status).toBe('connecting');
  });
});
