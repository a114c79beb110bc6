/**
 * Application heartbeat. Browsers never show WebSocket ping frames to scripts, so a dead link (a
 * laptop that slept, a NAT that forgot the flow) can look OPEN for minutes: the client pings once
 * the link has been silent for an interval and gives up on it when nothing at all arrives within
 * the timeout. Proxies cut idle links (nginx `proxy_read_timeout`, HAProxy `timeout tunnel`), so the
 * ping goes out no later than `intervalMs` after the last inbound frame, not one to two intervals.
 */
import { type Clock, monotonicOf } from './clock.js';
import { checkGiven, MS_1, type Rule, TEXT, withDefaults } from './option-checks.js';
import { createTimers } from './timers.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** Heartbeat options. Pass `heartbeat: false` to the socket to turn it off. */
export interface HeartbeatOptions {
  /**
   * Ping when no inbound frame arrived for this long, so the link is never silent for longer (plus
   * the pong's round trip); a busy link is never pinged. @default 25_000
   */
  readonly intervalMs?: number | undefined;
  /** Reconnect when nothing arrives this long after a ping. @default 10_000 */
  readonly timeoutMs?: number | undefined;
  /** Shorter wait for a probe (tab visible again, back online, clock jump). @default 3000 */
  readonly probeTimeoutMs?: number | undefined;
  /** A timer this late means the machine slept: probe at once. @default 10_000 */
  readonly wakeThresholdMs?: number | undefined;
  /** Type of the envelope sent as a ping. @default 'ping' */
  readonly pingType?: string | undefined;
  /** Type of the server's answer (swallowed, never delivered to handlers). @default 'pong' */
  readonly pongType?: string | undefined;
}

/** Heartbeat options with every default applied. */
export type ResolvedHeartbeat = {
  readonly [K in keyof HeartbeatOptions]-?: NonNullable<HeartbeatOptions[K]>;
};

export const DEFAULT_HEARTBEAT = {
  intervalMs: 25_000,
  timeoutMs: 10_000,
  probeTimeoutMs: 3000,
  wakeThresholdMs: 10_000,
  pingType: 'ping',
  pongType: 'pong',
} as const satisfies ResolvedHeartbeat;

const HEARTBEAT_RULES: Readonly<Record<keyof HeartbeatOptions, Rule>> = {
  intervalMs: MS_1,
  timeoutMs: MS_1,
  probeTimeoutMs: MS_1,
  wakeThresholdMs: MS_1,
  pingType: TEXT,
  pongType: TEXT,
};

/**
 * The heartbeat options with defaults, or null for `false`. A field given as `undefined` takes its
 * default (spreading it would turn the interval into NaN: a ping storm); any other nonsense throws.
 */
export function resolveHeartbeat(
  options: HeartbeatOptions | false | undefined,
): ResolvedHeartbeat | null {
  if (options === false) return null;
  try {
    if (process.env.NODE_ENV !== 'production') checkHeartbeat(options);
  } catch {
    checkHeartbeat(options); // no `process`: development (a refused option throws again)
  }
  return withDefaults(options, DEFAULT_HEARTBEAT as ResolvedHeartbeat);
}

const checkHeartbeat = (options: HeartbeatOptions | undefined) =>
  checkGiven('heartbeat', options, HEARTBEAT_RULES);

/** A heartbeat for one open connection. */
export interface Heartbeat {
  /** An inbound frame arrived: the link is alive. Cheap: called for every message. */
  seen(): void;
  /** Ping now and wait `probeTimeoutMs` for any frame. */
  probe(): void;
  stop(): void;
}

/**
 * Starts a heartbeat; `ping` sends one, `dead` is called once when the link is judged dead.
 *
 * `seen` only counts frames (it runs for every message and must not read the clock). A check runs
 * every quarter interval: when the count moved since the previous check, the last frame came after
 * that check, so that check's time is a lower bound of the last frame's. The ping is due one
 * interval after the lower bound: silence before a ping is between 0.75 and 1 interval.
 */
export function startHeartbeat(
  clock: Clock,
  options: ResolvedHeartbeat,
  ping: () => void,
  dead: () => void,
): Heartbeat {
  const quarter = options.intervalMs / 4;
  // Silence is measured on the monotonic clock (a wall clock stepped back must not hold the ping);
  // a wake from sleep shows on the wall clock, which keeps running while the machine sleeps.
  const elapsed = monotonicOf(clock);
  let frames = 0;
  let checkedFrames = 0;
  let checkedAt = elapsed();
  /** The last inbound frame (or the open) happened at this time or later. */
  let since = checkedAt;
  // `check` wakes to compare the silence with the interval; `deadline` ends the wait for a pong.
  const timers = createTimers(clock);
  /** A ping is out and its deadline armed: no second ping until it is answered or dead. */
  let waiting = false;
  let stopped = false;

  const schedule = () => {
    const now = elapsed();
    const pingAt = since + options.intervalMs;
    const due = pingAt > now ? Math.min(now + quarter, pingAt) : now + quarter;
    const wallDue = clock.now() + (due - now);
    timers.set('check', due - now, () => {
      const at = elapsed();
      const late = Math.max(at - due, clock.now() - wallDue);
      if (late > options.wakeThresholdMs) return send(options.probeTimeoutMs);
      if (frames !== checkedFrames) since = checkedAt;
      checkedFrames = frames;
      checkedAt = at;
      if (!waiting && at - since >= options.intervalMs) send(options.timeoutMs);
      else schedule();
    });
  };

  const send = (timeoutMs: number) => {
    timers.clear('check');
    const before = frames;
    waiting = true;
    ping();
    if (stopped) return;
    timers.set('deadline', timeoutMs, () => {
      waiting = false;
      if (frames !== before) return;
      stopped = true;
      timers.clear('check');
      dead();
    });
    schedule();
  };

  schedule();
  return {
    seen() {
      frames += 1;
    },
    probe() {
      if (!stopped) send(options.probeTimeoutMs);
    },
    stop() {
      stopped = true;
      timers.clearAll();
    },
  };
}
