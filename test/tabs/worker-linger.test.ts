/**
 * The last tab closes with sends unacknowledged (issue 21), in real Chromium with a real
 * SharedWorker and delivery on: ONE page hands the worker K numbered sends while the server's
 * delivery link is down (the tab server refuses every upgrade: the sends stay unwritten, so
 * unacknowledged), the page closes, and the link comes back only after the hub's `closeGraceMs`,
 * so nothing but the hub's linger (`lingerMs`, registry.ts) keeps the worker's socket.
 *
 * - With `extendedLifetime: true` (Chrome 148+) the worker outlives its page: the server sees it
 *   knocking after the grace, then all K processed once, in order, after the page closed, and the
 *   worker's socket closed after the last ack, within `closeGraceMs + lingerMs` of the close. Every
 *   time is the server's (its Node clock: refusals, frames, connection close).
 * - Without it (the control) Chromium ends the worker with its page: the knocks stop at the close,
 *   no connection comes back, and none of the K is ever processed (lost, and not twice).
 *
 * Plants (`SOCKGUARD_WORKER_PLANT`): `no-extended-lifetime` (the page makes its worker without
 * it) and `no-linger` (the hub's `lingerMs` is 0) each turn the first test red.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import type { TabFrame } from './tab-server.js';
import { until } from './tabs-browser.js';
import {
  hubState,
  read,
  upTo,
  type WorkerSuite,
  workerSuite,
} from './worker-support/worker-suite.js';

/** The sends the page hands over while the link is down. */
const K = 20;
/** The link stays down this long past the hub's `closeGraceMs` after the page closed. */
const DOWN_PAST_GRACE_MS = 1000;
/** A live worker knocks every 200 ms at most (the page's backoff cap): this long without, it is gone. */
const KNOCK_GAP_MS = 1000;
/**
 * The server acks within 100 ms of processing (tab-server.ts `ackDelayMs`) and the lingering hub
 * looks every 200 ms (registry.ts LINGER_STEP_MS): the socket closes within their sum of the last
 * frame processed, plus this for a browser and a test sharing 2 busy cores.
 */
const CLOSE_AFTER_ACK_MS = 100 + 200;
const SLACK_MS = 1500;

/** What the server saw of one run of the scenario, in its own clock. */
interface Run {
  /** What `send` returned to the page for each of the K. */
  readonly statuses: readonly string[];
  readonly closeGraceMs: number;
  readonly lingerMs: number;
  /** Just before `page.close()`, and once it resolved. */
  readonly closing: number;
  readonly closed: number;
  /** When the link came back. */
  readonly restored: number;
  /** The server's refusals of the worker's reconnects before the page closed, and after. */
  readonly knocksBeforeClose: number;
  readonly knocksAfterClose: readonly number[];
}

/**
 * The link down, the page's K sends handed to the worker (its port's record says so), the page
 * closed, the link kept down `DOWN_PAST_GRACE_MS` past the hub's grace (a live worker shows it by
 * knocking then; a dead one is waited for that long and `KNOCK_GAP_MS` more), then restored.
 */
async function closeWithSendsUnacknowledged(suite: WorkerSuite): Promise<Run> {
  const { server } = suite;
  const page = suite.pages[0] as Page;
  const { closeGraceMs, lingerMs } = await hubState(page);
  server.cutDelivery();
  await until(async () => {
    expect(server.openCount()).toBe(0);
    expect((await read(page)).status).toBe('reconnecting');
  });
  const statuses = await page.evaluate((count) => window.workerProbe.series(count, 5), K);
  // Handed over: the worker's record of the page's port counts K sends in.
  await until(async () => {
    const port = (await hubState(page)).ports.find((p) => p.label === '0');
    expect(port?.in.send).toBe(K);
  });
  const closing = Date.now();
  await page.close();
  const closed = Date.now();
  const pastGrace = closed + closeGraceMs + DOWN_PAST_GRACE_MS;
  // A worker still alive past the grace knocks then; a dead one never does (the wait is bounded).
  await until(
    () => expect(server.refused.some((at) => at > pastGrace)).toBe(true),
    closeGraceMs + DOWN_PAST_GRACE_MS + KNOCK_GAP_MS,
  ).catch(() => {});
  const restored = Date.now();
  server.restoreDelivery();
  return {
    statuses,
    closeGraceMs,
    lingerMs,
    closing,
    closed,
    restored,
    knocksBeforeClose: server.refused.filter((at) => at < closing).length,
    knocksAfterClose: server.refused.filter((at) => at > closed),
  };
}

/** The page's numbered sends as the server processed them (its log), in order. */
const processed = (frames: readonly TabFrame[]): TabFrame[] =>
  frames.filter((f) => f.type === 'seq' && (f.data as { from: string }).from === '0');
const numbers = (frames: readonly TabFrame[]) => frames.map((f) => (f.data as { n: number }).n);

describe('the last tab closes with sends unacknowledged, its worker made with extendedLifetime', () => {
  const suite = workerSuite(1, { delivery: true, extendedLifetime: true });

  it('the worker outlives its page: all K processed once, in order, after the close; its socket closes after the last ack, within closeGraceMs + lingerMs', async () => {
    const { server } = suite;
    const run = await closeWithSendsUnacknowledged(suite);
    expect(run.statuses).toEqual(Array(K).fill('queued'));
    expect(run.knocksBeforeClose).toBeGreaterThan(0);
    // The worker reconnects within the page's backoff cap of the restore, sends, is acked, closes.
    await until(() => {
      expect(processed(server.frames)).toHaveLength(K);
      const back = server.connections.filter((c) => c.openedAt >= run.restored);
      expect(back.map((c) => c.closedAt === null)).toEqual([false]);
    }, run.lingerMs).catch(() => {});

    const frames = processed(server.frames);
    const back = server.connections.filter((c) => c.openedAt >= run.restored);
    const socket = back[0];
    const last = frames.at(-1)?.at ?? Number.NaN;
    const closedAt = socket?.closedAt ?? Number.NaN;
    console.log(
      `[worker] last tab closed with ${K} sends unacknowledged, extendedLifetime: knocks after the close ${run.knocksAfterClose.length} (last +${(run.knocksAfterClose.at(-1) ?? run.closed) - run.closed} ms), link back at +${run.restored - run.closed} ms, processed ${frames.length} (${numbers(frames).join(',')}), last at +${last - run.closed} ms, the worker's socket closed at +${closedAt - run.closed} ms (${closedAt - last} ms after the last processed; bound closeGraceMs ${run.closeGraceMs} + lingerMs ${run.lingerMs})`,
    );
    // All K, once each, in order, every one after the page had closed and the link came back.
    expect(numbers(frames)).toEqual(upTo(K));
    // The worker was alive past the grace: it went on knocking while the link was down.
    expect(run.knocksAfterClose.some((at) => at > run.closed + run.closeGraceMs)).toBe(true);
    for (const frame of frames) expect(frame.at).toBeGreaterThanOrEqual(run.restored);
    expect(run.restored).toBeGreaterThan(run.closed + run.closeGraceMs);
    // One connection of the worker's came back, carried them all, and closed once they were acked.
    expect(back).toHaveLength(1);
    expect(frames.every((f) => f.connection === socket?.id)).toBe(true);
    expect(closedAt).toBeGreaterThanOrEqual(last);
    expect(closedAt - last).toBeLessThanOrEqual(CLOSE_AFTER_ACK_MS + SLACK_MS);
    expect(closedAt - run.closing).toBeLessThanOrEqual(run.closeGraceMs + run.lingerMs + SLACK_MS);
    expect(server.openCount()).toBe(0);
  }, 40_000);
});

describe('the control: the last tab closes with sends unacknowledged, its worker made without extendedLifetime', () => {
  const suite = workerSuite(1, { delivery: true });

  it('Chromium ends the worker with its page: it stops knocking, never comes back, and none of the K is processed', async () => {
    const { server } = suite;
    const run = await closeWithSendsUnacknowledged(suite);
    expect(run.statuses).toEqual(Array(K).fill('queued'));
    // It knocked while its page was open (the link was down then too).
    expect(run.knocksBeforeClose).toBeGreaterThan(0);
    // A live worker would reconnect within its backoff cap (200 ms) of the restore.
    await until(
      () => expect(server.connections.some((c) => c.openedAt >= run.restored)).toBe(true),
      KNOCK_GAP_MS,
    ).catch(() => {});

    const frames = processed(server.frames);
    console.log(
      `[worker] last tab closed with ${K} sends unacknowledged, no extendedLifetime: knocks after the close ${run.knocksAfterClose.length} (last +${(run.knocksAfterClose.at(-1) ?? run.closed) - run.closed} ms), link back at +${run.restored - run.closed} ms, connections after it ${server.connections.filter((c) => c.openedAt >= run.restored).length}, processed ${frames.length} of ${K}`,
    );
    // The worker went with its page: no knock in the last KNOCK_GAP_MS the link was down...
    expect(run.knocksAfterClose.filter((at) => at > run.restored - KNOCK_GAP_MS)).toEqual([]);
    // ... no connection once it was back, and the K unwritten sends are lost (none processed,
    // so none twice).
    expect(server.connections.filter((c) => c.openedAt >= run.restored)).toEqual([]);
    expect(numbers(frames)).toEqual([]);
  }, 40_000);
});
