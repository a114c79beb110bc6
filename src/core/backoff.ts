/**
 * Reconnection delays as a pure function of the attempt, a random draw and a retry hint. The timer
 * that waits is the machine (`machine.ts`) and its runner; this file only answers "how long".
 */
import type { Fault } from '../protocol/fault.js';
import { checkOptions, checkValue, MS_0, type Rule, withDefaults } from './option-checks.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** The default policy's knobs. Every field is optional; see {@link DEFAULT_BACKOFF}. */
export interface BackoffPolicy {
  /** Upper bound of the first retry's delay; it grows by `factor` per attempt. @default 1000 */
  readonly baseMs?: number;
  /** Growth per attempt. @default 2 */
  readonly factor?: number;
  /** No delay is shorter: a server that drops everyone is not hammered. @default 250 */
  readonly floorMs?: number;
  /** No delay is longer (the slow end of the policy). @default 30_000 */
  readonly capMs?: number;
  /**
   * `full`: uniform in [floor, min(cap, base·factor^(n-1))] (AWS "full jitter": spreads a herd of
   * clients dropped at once). `none`: the upper bound itself, for tests and demos. @default 'full'
   */
  readonly jitter?: 'full' | 'none';
  /** Give up (status `failed`) after this many retries in a row. @default Infinity */
  readonly maxAttempts?: number;
  /**
   * Floor for a close that asks to come back later (1013, 4005) without a `retry_after_ms` hint.
   * @default 5000
   */
  readonly throttleFloorMs?: number;
}

/** What a custom policy is told about the retry it is asked to time. */
export interface BackoffInput {
  /** 1 for the first retry after a drop; reset after a stable open or `reconnect()`. */
  readonly attempt: number;
  /** The fault that caused the retry. */
  readonly fault: Fault | null;
  /** The earliest retry the server or the protocol asked for (ms from now), or 0. */
  readonly hintMs: number;
  /** A uniform draw in [0, 1) from the socket's injected random source. */
  readonly random: number;
}

/**
 * A custom policy: the delay in ms, or `null` to stop retrying (status `failed`), or a promise of
 * either (answered within 10 s, see `SocketOptions.backoff`).
 */
export type BackoffFunction = (input: BackoffInput) => number | null | Promise<number | null>;

export const DEFAULT_BACKOFF = {
  baseMs: 1000,
  factor: 2,
  floorMs: 250,
  capMs: 30_000,
  jitter: 'full',
  maxAttempts: Infinity,
  throttleFloorMs: 5000,
} as const satisfies Required<BackoffPolicy>;

const BACKOFF_RULES: Readonly<Record<keyof BackoffPolicy, Rule>> = {
  baseMs: MS_0,
  factor: { kind: 'number', min: 1 },
  floorMs: MS_0,
  capMs: MS_0,
  jitter: { kind: 'oneOf', values: ['full', 'none'] },
  maxAttempts: { kind: 'count', min: 0, never: true },
  throttleFloorMs: MS_0,
};

/**
 * The policy with defaults; in development it is checked once, at construction, so a typo fails
 * loudly instead of retrying oddly.
 */
export function resolveBackoff(policy: BackoffPolicy = {}): Required<BackoffPolicy> {
  try {
    if (process.env.NODE_ENV !== 'production') checkBackoff(policy);
  } catch {
    checkBackoff(policy); // no `process`: development (a refused option throws again)
  }
  return withDefaults(policy, DEFAULT_BACKOFF);
}

function checkBackoff(policy: BackoffPolicy): void {
  const resolved = checkOptions('backoff', policy, BACKOFF_RULES, DEFAULT_BACKOFF);
  // The floor is bounded by the cap: no delay could meet both.
  checkValue('backoff.floorMs', resolved.floorMs, { kind: 'ms', min: 0, max: resolved.capMs });
}

/** The upper bound of retry `attempt`'s delay: min(cap, base·factor^(attempt-1)), at least the floor. */
export function backoffCeiling(policy: Required<BackoffPolicy>, attempt: number): number {
  const grown = policy.baseMs * policy.factor ** Math.max(0, attempt - 1);
  return Math.max(policy.floorMs, Math.min(policy.capMs, grown));
}

/**
 * The delay before retry `input.attempt`, or null once `maxAttempts` is spent. A hint raises the
 * delay to at least the hint, plus a jitter of up to one `baseMs`, so clients told "in 3 s" do not
 * all come back in the same millisecond.
 */
export function backoffDelay(policy: Required<BackoffPolicy>, input: BackoffInput): number | null {
  if (input.attempt > policy.maxAttempts) return null;
  const ceiling = backoffCeiling(policy, input.attempt);
  const delay =
    policy.jitter === 'none' ? ceiling : policy.floorMs + input.random * (ceiling - policy.floorMs);
  if (input.hintMs <= delay) return delay;
  const spread = policy.jitter === 'none' ? 0 : input.random * policy.baseMs;
  return Math.min(Math.max(input.hintMs, policy.capMs), input.hintMs + spread);
}
