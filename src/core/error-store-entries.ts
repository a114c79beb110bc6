/**
 * Pure transitions of the error store's lists. Each returns the same array when nothing changed,
 * so the store can skip a `set` and React consumers comparing with `Object.is` do not re-render.
 * Invariant: `toasts` is a subsequence of `history` (same objects, same newest-first order).
 */
import type { Fault } from '../protocol/fault.js';
import type { StoredFault } from './error-store-types.js';

/** The two lists the store keeps; `fatal` is derived from `toasts`. */
export interface Entries {
  readonly history: readonly StoredFault[];
  readonly toasts: readonly StoredFault[];
}

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
}

/** Repeats are the same failure when everything the user sees and the library does is the same. */
function isRepeat(entry: StoredFault, fault: Fault): boolean {
  return (
    entry.source === fault.source &&
    entry.code === fault.code &&
    entry.severity === fault.severity &&
    entry.action === fault.action &&
    entry.message === fault.message
  );
}

function without(list: readonly StoredFault[], id: string): readonly StoredFault[] {
  const index = list.findIndex((entry) => entry.id === id);
  return index === -1 ? list : [...list.slice(0, index), ...list.slice(index + 1)];
}

function stored(
  fault: Fault,
  count: number,
  firstAt: number,
  now: number,
  ttl: number | null,
): StoredFault {
  const expiresAt = fault.severity === 'fatal' || ttl === null ? null : now + ttl;
  return { ...fault, count, firstAt, lastAt: now, expiresAt };
}

/** Toasts still active at `now`: those whose `expiresAt` has passed are removed. */
export function expireToasts(toasts: readonly StoredFault[], now: number): readonly StoredFault[] {
  const kept = toasts.filter((toast) => toast.expiresAt === null || toast.expiresAt > now);
  return kept.length === toasts.length ? toasts : kept;
}

/** The earliest `expiresAt` among the toasts, or null when none will expire. */
export function nextExpiry(toasts: readonly StoredFault[]): number | null {
  let earliest: number | null = null;
  for (const { expiresAt } of toasts) {
    if (expiresAt !== null && (earliest === null || expiresAt < earliest)) earliest = expiresAt;
  }
  return earliest;
}

/** Toasts without the one with this id (the same array when there is none). */
export function dismissToast(toasts: readonly StoredFault[], id: string): readonly StoredFault[] {
  return without(toasts, id);
}

/**
 * Adds an already redacted fault at `now`. In order: an entry with the same id is replaced (an
 * envelope fault upgraded to the merged error-then-close fault), keeping its count and staying
 * active if it was, or becoming active if it is now fatal; else an active repeat within the window
 * gets count + 1 and keeps its id; else a new entry. The entry moves to the front of both lists;
 * past `maxHistory` the oldest entries leave both.
 */
export function applyReport(
  entries: Entries,
  fault: Fault,
  now: number,
  rules: ReportRules,
): ReportResult {
  const ttl = rules.recoverableTtlMs;
  // Due expiries first, so a repeat never merges into a toast whose timer has not fired yet.
  const toasts = expireToasts(entries.toasts, now);
  const same = entries.history.find((entry) => entry.id === fault.id);
  let entry: StoredFault;
  let active: boolean;
  if (same !== undefined) {
    entry = stored(fault, same.count, same.firstAt, now, ttl);
    // A dismissed recoverable fault stays dismissed: the upgrade is the same failure, already seen.
    active = fault.severity === 'fatal' || toasts.includes(same);
  } else {
    const repeat = toasts.find(
      (toast) => isRepeat(toast, fault) && now - toast.lastAt < rules.dedupeWindowMs,
    );
    entry =
      repeat === undefined
        ? stored(fault, 1, now, now, ttl)
        : stored({ ...fault, id: repeat.id }, repeat.count + 1, repeat.firstAt, now, ttl);
    active = true;
  }
  let history = [entry, ...without(entries.history, entry.id)];
  let nextToasts = without(toasts, entry.id);
  if (active) nextToasts = [entry, ...nextToasts];
  if (history.length > rules.maxHistory) {
    const dropped = new Set(history.slice(rules.maxHistory));
    history = history.slice(0, rules.maxHistory);
    nextToasts = nextToasts.filter((toast) => !dropped.has(toast));
  }
  return { entries: { history, toasts: nextToasts }, stored: entry };
}
