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

/** The same items in the same order (by identity). */
const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean =>
  a.length === b.length && a.every((item, i) => item === b[i]);

/**
 * One toast from faults that read the same, newest first: the newest fault's fields, with the id
 * of the fault shown longest (ties go to the older: the toast keeps its key, and a toast library
 * its toast, while others join), the summed count, the earliest `firstAt` and the latest
 * `expiresAt` (null if one never expires: the toast leaves with its last fault).
 */
function toToast(faults: readonly StoredFault[]): Toast {
  let first = faults[0]!;
  let count = 0;
  let expiresAt = 0;
  for (const fault of faults) {
    count += fault.count;
    if (fault.firstAt <= first.firstAt) first = fault;
    expiresAt = Math.max(expiresAt, fault.expiresAt ?? Infinity);
  }
  return {
    ...faults[0]!,
    id: first.id,
    count,
    firstAt: first.firstAt,
    expiresAt: expiresAt === Infinity ? null : expiresAt,
    faults,
  };
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
    // The NUL cannot occur in a severity, so no message can fake another group's key.
    const key = `${fault.severity}\0${fault.message}`;
    const group = groups.get(key);
    if (group) group.push(fault);
    else groups.set(key, [fault]);
  }
  const toasts = [...groups.values()].map(
    (faults) => previous.find((toast) => sameItems(toast.faults, faults)) ?? toToast(faults),
  );
  return sameItems(toasts, previous) ? previous : toasts;
}
