/**
 * Pure transitions of the error store's lists. Each returns the same array when nothing changed,
 * so the store can skip a `set` and React consumers comparing with `Object.is` do not re-render.
 * Invariant: `active` is a subsequence of `history` (same objects, same newest-first order).
 *
 * Durations (the TTL, the dedupe window) are measured on the monotonic clock, never on the wall
 * clock: a wall clock stepped back an hour must not keep a toast an hour longer, nor one stepped
 * forward expire it at once. The public `firstAt`, `lastAt` and `expiresAt` stay wall times,
 * for display; each entry's monotonic times are kept beside it in {@link timings}.
 */
import type { Fault } from '../../protocol/fault.js';
import { readsSame } from './toasts.js';
import type { StoredFault } from './types.js';

/** The two lists the store keeps; `toasts` and `fatal` are derived from `active`. */
export interface Entries {
  readonly history: readonly StoredFault[];
  readonly active: readonly StoredFault[];
}

/** The time of a report or an expiry check, read once from the store's clock. */
export interface Instant {
  /** Epoch ms (`clock.now()`): what the entry shows as `firstAt`, `lastAt`, `expiresAt`. */
  readonly wall: number;
  /** Monotonic ms (`monotonicOf(clock)`): what the TTL and the dedupe window are measured on. */
  readonly monotonic: number;
}

/** The monotonic times of one entry: when it was last reported, and when its TTL ends. */
interface Timing {
  readonly seenAt: number;
  readonly dueAt: number | null;
}

/**
 * The monotonic times of each entry, keyed by the entry object. Entries are immutable and made
 * only by {@link stored}, which writes this once, so it acts as a hidden field of the entry that
 * keeps monotonic readings (meaningless to an app) out of the public {@link StoredFault}. Weak, so
 * an entry that left the lists takes its timing with it.
 */
const timings = new WeakMap<StoredFault, Timing>();

// Only `stored` makes entries; an object it did not make (none today) never merges nor expires.
const timingOf = (entry: StoredFault): Timing =>
  timings.get(entry) ?? { seenAt: Number.NEGATIVE_INFINITY, dueAt: null };

/** The options a report depends on. */
export interface ReportRules {
  readonly maxHistory: number;
  readonly dedupeWindowMs: number;
  readonly recoverableTtlMs: number | null;
}

/** The result of {@link applyReport}: the new lists and the entry the fault became. */
export interface ReportResult {
  readonly entries: Entries;
  readonly stored: StoredFault;
  /** The report replaced an entry with the same id: the same failure, completed (error then close). */
  readonly upgraded: boolean;
}

/**
 * Repeats are the same failure when everything the user sees and the library does is the same,
 * from the same reporter: merging two sockets' faults would let one socket resolve the other's.
 */
function isRepeat(entry: StoredFault, fault: Fault, origin: string | undefined): boolean {
  return (
    entry.origin === origin &&
    entry.source === fault.source &&
    entry.code === fault.code &&
    entry.severity === fault.severity &&
    entry.action === fault.action &&
    entry.message === fault.message
  );
}

// Ids are unique within a list (a report with a known id replaces its entry).
const without = (list: readonly StoredFault[], id: string): readonly StoredFault[] =>
  keep(list, (entry) => entry.id !== id);

function stored(
  fault: Fault,
  origin: string | undefined,
  count: number,
  firstAt: number,
  now: Instant,
  ttl: number | null,
): StoredFault {
  const expires = fault.severity !== 'fatal' && ttl !== null;
  const expiresAt = expires ? now.wall + ttl : null;
  const fields = { ...fault, count, firstAt, lastAt: now.wall, expiresAt };
  const entry: StoredFault = origin === undefined ? fields : { ...fields, origin };
  timings.set(entry, { seenAt: now.monotonic, dueAt: expires ? now.monotonic + ttl : null });
  return entry;
}

function keep(
  list: readonly StoredFault[],
  test: (entry: StoredFault) => boolean,
): readonly StoredFault[] {
  const kept = list.filter(test);
  return kept.length === list.length ? list : kept;
}

/**
 * Active faults still active at monotonic time `monotonic`: those whose TTL has run out are
 * removed.
 */
export function expireFaults(
  active: readonly StoredFault[],
  monotonic: number,
): readonly StoredFault[] {
  return keep(active, (entry) => {
    const { dueAt } = timingOf(entry);
    return dueAt === null || dueAt > monotonic;
  });
}

/** The monotonic time of the earliest expiry among the active faults, or null when none expires. */
export function nextExpiry(active: readonly StoredFault[]): number | null {
  let earliest: number | null = null;
  for (const entry of active) {
    const { dueAt } = timingOf(entry);
    if (dueAt !== null && (earliest === null || dueAt < earliest)) earliest = dueAt;
  }
  return earliest;
}

/**
 * Active faults without the toast that shows the fault with this id: it and every fault that reads
 * the same, since the user closed the one toast they make (the same array when there is none).
 */
export function dismissToast(active: readonly StoredFault[], id: string): readonly StoredFault[] {
  const target = active.find((entry) => entry.id === id);
  return target === undefined ? active : keep(active, (entry) => !readsSame(entry, target));
}

/**
 * Whether an open connection makes this fault untrue: it is about the connection (kind
 * `connection` or `transport`: a close, a transport failure, an error envelope merged with its
 * close), or it asked for a token refresh that the reconnect just used. Application faults (a
 * failed request, an invalid frame) stay true after a reconnect.
 */
export function concernsConnection(entry: StoredFault): boolean {
  return (
    entry.kind !== 'application' ||
    (entry.action === 'reauthenticate' && entry.severity === 'recoverable')
  );
}

/** Active faults without those of `origin` that its open connection resolved. */
export function resolveConnection(
  active: readonly StoredFault[],
  origin: string,
): readonly StoredFault[] {
  return keep(active, (entry) => entry.origin !== origin || !concernsConnection(entry));
}

/**
 * Adds an already redacted fault from `origin` at `now`. In order: an entry with the same id is replaced (an
 * envelope fault upgraded to the merged error-then-close fault), keeping its count and staying
 * active if it was, or becoming active if it is now fatal; else an active repeat within the window
 * gets count + 1 and keeps its id; else a new entry. The entry moves to the front of both lists;
 * past `maxHistory` the oldest entries leave both.
 */
export function applyReport(
  entries: Entries,
  fault: Fault,
  origin: string | undefined,
  now: Instant,
  rules: ReportRules,
): ReportResult {
  const ttl = rules.recoverableTtlMs;
  // Due expiries first, so a repeat never merges into an entry whose timer has not fired yet.
  const active = expireFaults(entries.active, now.monotonic);
  const same = entries.history.find((entry) => entry.id === fault.id);
  let entry: StoredFault;
  let shown: boolean;
  if (same !== undefined) {
    entry = stored(fault, origin ?? same.origin, same.count, same.firstAt, now, ttl);
    // A dismissed recoverable fault stays dismissed: the upgrade is the same failure, already seen.
    shown = fault.severity === 'fatal' || active.includes(same);
  } else {
    const repeat = active.find(
      (other) =>
        isRepeat(other, fault, origin) &&
        now.monotonic - timingOf(other).seenAt < rules.dedupeWindowMs,
    );
    entry =
      repeat === undefined
        ? stored(fault, origin, 1, now.wall, now, ttl)
        : stored({ ...fault, id: repeat.id }, origin, repeat.count + 1, repeat.firstAt, now, ttl);
    shown = true;
  }
  let history = [entry, ...without(entries.history, entry.id)];
  let nextActive = without(active, entry.id);
  if (shown) nextActive = [entry, ...nextActive];
  if (history.length > rules.maxHistory) {
    const dropped = new Set(history.slice(rules.maxHistory));
    history = history.slice(0, rules.maxHistory);
    nextActive = nextActive.filter((other) => !dropped.has(other));
  }
  return { entries: { history, active: nextActive }, stored: entry, upgraded: same !== undefined };
}
