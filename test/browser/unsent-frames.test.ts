/**
 * Frames that never left, in real Chromium: a frame whose bytes are still in the WebSocket's send
 * buffer (`bufferedAmount`) when the link dies goes again after the reconnect, first and in order,
 * and is never doubled. Unit tests fake `bufferedAmount`; only a browser keeps it after the close
 * (the WebSocket standard; Node's `ws` resets it), so only a browser can prove it.
 *
 * The link runs through unsent-fixture.ts: a proxy that stops reading (TCP backpressure until
 * Chromium's own buffer grows), then resets the connection, in front of a `ws` server that logs
 * what it received on each connection.
 *
 * Not every frame arrives: the frames Chromium had already handed past `bufferedAmount` (to its
 * network process and the TCP buffers, several MB on loopback) are on the wire from the page's
 * side, and a reset drops them. The test counts them and reports them; only delivery closes that
 * gap.
 */
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createSocket, type Socket } from '../../src/index.js';
import type { UnsentLog } from './unsent-fixture.js';

const proxyUrl = inject('unsentProxyUrl');
const controlUrl = inject('unsentControlUrl');
const PATIENCE = { timeout: 8000, interval: 20 } as const;

/** 64 KiB a frame: a few dozen fill the kernel buffers on loopback, then Chromium's own. */
const PAD = 'x'.repeat(64 * 1024);
/** Frames sent and received before the proxy stops reading. */
const DELIVERED_FIRST = 8;
/** Frames sent between two looks at `bufferedAmount`. */
const BATCH = 16;
/** A bound on the frames sent (40 MiB) so a Chromium that never backs up fails fast. */
const MAX_FRAMES = 640;
/** Enough frames held in Chromium's buffer to show their order, not one frame by luck. */
const MIN_HELD_FRAMES = 4;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function control(action: 'reset' | 'pause' | 'kill'): Promise<void> {
  const response = await fetch(`${controlUrl}/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`${action}: ${response.status} ${await response.text()}`);
}
async function serverLog(): Promise<UnsentLog> {
  return (await (await fetch(`${controlUrl}/log`)).json()) as UnsentLog;
}

/** Chromium's own WebSocket, remembered, with `bufferedAmount` read in its close event. */
class TrackedWebSocket extends WebSocket {
  static readonly made: TrackedWebSocket[] = [];
  /** `bufferedAmount` when `close` fired: what the socket's own close listener (added later) reads. */
  bufferedAtClose: number | null = null;
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    TrackedWebSocket.made.push(this);
    this.addEventListener('close', () => {
      this.bufferedAtClose = this.bufferedAmount;
    });
  }
}

/** Polls until `bufferedAmount` holds still for 3 looks 30 ms apart: the link stopped draining. */
async function settled(ws: WebSocket): Promise<number> {
  let last = -1;
  let same = 0;
  for (let i = 0; i < 60 && same < 2; i++) {
    await wait(30);
    const now = ws.bufferedAmount;
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

let socket: Socket | null = null;
afterEach(() => {
  socket?.close();
  socket = null;
});

describe('frames still in the send buffer when the link dies (Chromium, real TCP)', () => {
  it('go again after the reconnect, first and in order, and none twice', {
    timeout: 20_000,
  }, async () => {
    await control('reset');
    TrackedWebSocket.made.length = 0;
    const s = createSocket({
      url: proxyUrl,
      WebSocket: TrackedWebSocket,
      heartbeat: false,
      environment: false,
      backoff: { baseMs: 50, factor: 1, floorMs: 50, capMs: 50, jitter: 'none' },
    });
    socket = s;
    await vi.waitFor(() => expect(s.getSnapshot().status).toBe('open'), PATIENCE);
    const first = TrackedWebSocket.made[0] as TrackedWebSocket;

    // Sizes of the frames as sent (ASCII, so string length is the UTF-8 byte count).
    const sizes: number[] = [];
    const sendNext = () => {
      const i = sizes.length + 1;
      sizes.push(JSON.stringify({ type: 'msg', data: { i, pad: PAD } }).length);
      expect(s.send('msg', { i, pad: PAD })).toEqual({ status: 'sent' });
    };
    // A healthy start: these reach the server before anything goes wrong.
    for (let k = 0; k < DELIVERED_FIRST; k++) sendNext();
    await vi.waitFor(async () => {
      expect((await serverLog()).connections[0]?.ids).toHaveLength(DELIVERED_FIRST);
    }, PATIENCE);

    await control('pause');
    let held = 0;
    while (sizes.length < MAX_FRAMES) {
      for (let k = 0; k < BATCH; k++) sendNext();
      held = await settled(first);
      if (held >= MIN_HELD_FRAMES * PAD.length) break;
    }
    const sent = sizes.length;
    expect(held, `bufferedAmount after ${sent} frames, the proxy not reading`).toBeGreaterThan(0);
    const forwarded = (await serverLog()).forwarded[0] ?? 0;

    await control('kill');
    await vi.waitFor(() => expect(first.bufferedAtClose).not.toBeNull(), PATIENCE);
    const atClose = first.bufferedAtClose as number;
    // Sent while reconnecting: it must come after every frame sent again.
    expect(s.send('msg', { i: sent + 1 })).toEqual({ status: 'queued' });

    const log = await vi.waitFor(async () => {
      const now = await serverLog();
      expect(now.connections).toHaveLength(2);
      expect(now.connections[1]?.ids.at(-1)).toBe(sent + 1);
      return now;
    }, PATIENCE);

    // The trailing frames that `bufferedAmount` in the close event covers, wholly or in part.
    let inBuffer = 0;
    for (let bytes = 0; bytes < atClose; inBuffer++) bytes += sizes[sent - 1 - inBuffer] ?? 0;
    const onFirst = log.connections[0]?.ids ?? [];
    const onSecond = log.connections[1]?.ids ?? [];
    const again = onSecond.slice(0, -1);
    const firstAgain = again[0] ?? sent + 1;
    const range = (from: number, to: number) =>
      Array.from({ length: Math.max(0, to - from + 1) }, (_, k) => from + k);
    console.info(
      `[unsent] sent ${sent} frames of ${sizes.at(-1)} B (${DELIVERED_FIRST} before the proxy ` +
        `stopped reading); proxy forwarded ${forwarded} B; bufferedAmount ${held} B before the ` +
        `kill, ${atClose} B in the close event, ${first.bufferedAmount} B after the reconnect ` +
        `(${inBuffer} frames); server got ${onFirst.length} on the first link, ${again.length} ` +
        `sent again (${firstAgain}..${sent}) then the queued one; lost below bufferedAmount ` +
        `(network process and TCP buffers): ${sent - onFirst.length - again.length}`,
    );

    // Chromium keeps `bufferedAmount` through the close: the premise of the whole mechanism.
    expect(atClose, 'bufferedAmount in the close event').toBeGreaterThan(0);
    expect(first.bufferedAmount, 'bufferedAmount after the close').toBe(atClose);
    // First link: a prefix, in order. Second link: exactly the frames the buffer held, in order,
    // then the one queued while down; nothing the server had comes again.
    expect(onFirst, 'first link').toEqual(range(1, onFirst.length));
    expect(again.length, `frames sent again (bufferedAmount ${atClose} B)`).toBe(inBuffer);
    expect(onSecond, 'second link').toEqual(range(sent - inBuffer + 1, sent + 1));
    const all = [...onFirst, ...onSecond];
    expect(new Set(all).size, 'no message twice').toBe(all.length);
    expect(s.getSnapshot().status).toBe('open');
  });
});
