/** Test-only: settle a promise into a plain value, so a test can check it without awaiting forever. */

import type { Fault } from '../../src/protocol/fault.js';
import { FaultError } from '../../src/protocol/fault-error.js';

export function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

/** The fault of a `FaultError`, else undefined. */
export const faultOf = (error: unknown): Fault | undefined =>
  error instanceof FaultError ? error.fault : undefined;
