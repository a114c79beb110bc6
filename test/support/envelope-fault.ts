/** Test-only: fault fixtures for the error-hook tests. */
import type { EnvelopeFault } from '../../src/protocol/fault.js';

let next = 0;

/** An envelope fault as the core makes one for app code `code`. */
export function envelopeFault(code: number, overrides: Partial<EnvelopeFault> = {}): EnvelopeFault {
  next += 1;
  const fatal = code === 4003 || code === 4004;
  return {
    id: `fault-${next}`,
    source: 'envelope',
    kind: 'application',
    code,
    message: `error ${code}`,
    severity: fatal ? 'fatal' : 'recoverable',
    action: code === 4003 ? 'reauthenticate' : 'none',
    timestamp: Date.now(),
    detail: {},
    ...overrides,
  };
}
