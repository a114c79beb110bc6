/**
 * Application heartbeat. Browsers never show WebSocket ping frames to scripts, so a dead link (a
 * laptop that slept, a NAT that forgot the flow) can look OPEN for minutes: the client pings after
 * an idle interval and gives up on the link when nothing at all arrives within the timeout.
 */
import type { Clock, TimerHandle } from './clock.js';

/** Heartbeat options. Pass `heartbeat: false` to the socket to turn it off. */
export interface HeartbeatOptions {
  /**
   * Ping when a whole interval passed without an inbound frame (checked once per interval, so a
   * ping follows one to two intervals of silence; a busy link is never pinged). @default 25_000
   */
  readonly intervalMs?: number;
  /** Reconnect when nothing arrives this long after a ping. @default 10_000 */
  readonly timeoutMs?: number;
  /** Shorter wait for a probe (tab visible again, back online, clock jump). @default 3000 */
  readonly probeTimeoutMs?: number;
  /** A timer this late means the machine slept: probe at once. @default 10_000 */
  readonly wakeThresholdMs?: number;
  /** Type of the envelope sent as a ping. @default 'ping' */
  readonly pingType?: string;
  /** Type of the server's answer (swallowed, never delivered to handlers). @default 'pong' */
  readonly pongType?: string;
}

export const DEFAULT_HEARTBEAT = {
  intervalMs: 25_000,
  timeoutMs: 10_000,
  probeTimeoutMs: 3000,
  wakeThresholdMs: 10_000,
  pingType: 'ping',
  pongType: 'pong',
} as const satisfies Required<HeartbeatOptions>;

/** A heartbeat for one open connection. */
export interface Heartbeat {
  /** An inbound frame arrived: the link is alive. Cheap: called for every message. */
  seen(): void;
  /** Ping now and wait `probeTimeoutMs` for any frame. */
  probe(): void;
  stop(): void;
}

/** Starts a heartbeat; `ping` sends one, `dead` is called once when the link is judged dead. */
export function startHeartbeat(
  clock: Clock,
  options: Required<HeartbeatOptions>,
  ping: () => void,
  dead: () => void,
): Heartbeat {
  // A count, not a time: `seen` runs for every message and must not read the clock.
  let frames = 0;
  let timer: TimerHandle | null = null;
  let waiting = false;
  let stopped = false;

  const arm = (ms: number, fire: (lateMs: number) => void) => {
    if (timer !== null) clock.clearTimeout(timer);
    const due = clock.now() + ms;
    timer = clock.setTimeout(() => {
      timer = null;
      fire(clock.now() - due);
    }, ms);
  };
  const idle = (ms: number) => {
    waiting = false;
    const before = frames;
    arm(ms, (lateMs) => {
      if (lateMs > options.wakeThresholdMs) return send(options.probeTimeoutMs);
      if (frames === before) send(options.timeoutMs);
      else idle(options.intervalMs);
    });
  };
  const send = (timeoutMs: number) => {
    waiting = true;
    ping();
    if (stopped) return;
    // Any frame before this fires re-arms the idle timer (see `seen`), so firing means silence.
    arm(timeoutMs, () => {
      stopped = true;
      dead();
    });
  };

  idle(options.intervalMs);
  return {
    seen() {
      frames += 1;
      if (waiting && !stopped) idle(options.intervalMs);
    },
    probe() {
      if (!stopped) send(options.probeTimeoutMs);
    },
    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
