/**
 * The toasts of the error store: its active faults as a user reads them. Faults that read the
 * same (equal message and severity) are one toast whatever their source or code: two client
 * checks that both say "Received an invalid message." are one toast "×2", not two side by side.
 * The fault records themselves stay apart (`history`, `active`), so a log still tells them apart.
 */
import type { StoredFault, Toast } from './types.js';

/** Two faults read the same when a user sees the same text with the same severity. */
export const readsSame = (a: StoredFault, b: StoredFault): boolean =>
  a.message === b.message && a.severity === b.severity;

// The NUL separator cannot occur in a severity, so no message can fake another group's key.
const keyOf = (fault: StoredFault): string => `${fault.severity}\u0000${fault.message}`;

/** The same items in the same order (by identity). */
const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean =>
  a.length === b.length && a.every((item, i) => item === b[i]);

/** One toast from faults that read the same, newest first (`faults` is never empty). */
function toToast(faults: readonly StoredFault[]): Toast {
  const newest = faults[0] as StoredFault;
  if (faults.length === 1) return { ...newest, faults };
  // The id of the fault shown longest: the toast keeps its key (and a toast library its toast)
  // while other faults join it; ties go to the older entry.
  let first = newest;
  let count = 0;
  let expiresAt: number | null = Number.NEGATIVE_INFINITY;
  for (const fault of faults) {
    count += fault.count;
    if (fault.firstAt <= first.firstAt) first = fault;
    expiresAt =
      expiresAt === null || fault.expiresAt === null ? null : Math.max(expiresAt, fault.expiresAt);
  }
  return { ...newest, id: first.id, count, firstAt: first.firstAt, expiresAt, faults };
}

/**
 * The toasts of `active` (newest first, ordered by their newest fault). A toast whose faults are
 * unchanged keeps its object from `previous`, and the `previous` array itself comes back when no
 * toast changed, so consumers comparing with `Object.is` skip the work.
 */
export function mergeToasts(
  active: readonly StoredFault[],
  previous: readonly Toast[],
): readonly Toast[] {
  const groups = new Map<string, StoredFault[]>();
  for (const fault of active) {
    const key = keyOf(fault);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [fault]);
    else group.push(fault);
  }
  const before = new Map(previous.map((toast) => [keyOf(toast), toast]));
  const toasts = [...groups].map(([key, faults]) => {
    const old = before.get(key);
    return old !== undefined && sameItems(old.faults, faults) ? old : toToast(faults);
  });
  return sameItems(toasts, previous) ? previous : toasts;
}
