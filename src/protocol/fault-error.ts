import type { Fault } from './fault.js';

/**
 * What a request's promise rejects with: an `Error` (so stack traces, `instanceof Error` and error
 * reporters work) carrying the classified {@link Fault}. Its `message` is the fault's user-safe text.
 */
export class FaultError extends Error {
  override readonly name = 'FaultError';
  readonly fault: Fault;

  constructor(fault: Fault) {
    super(fault.message);
    this.fault = fault;
  }
}

/** Narrows an unknown rejection to a {@link FaultError}. */
export function isFaultError(error: unknown): error is FaultError {
  return error instanceof FaultError;
}
