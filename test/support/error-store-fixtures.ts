/** Test-only: a hand-driven clock and fault fixtures for the error store tests. */

import type { Clock } from '../../src/core/clock.js';
import type {
  ClientFault,
  CloseFault,
  EnvelopeFault,
  TransportFault,
} from '../../src/protocol/fault.js';

/** A {@link Clock} whose time moves only by `advance`, firing due timers in time order. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Moves time without firing timers, as a frozen tab or a wake from sleep does. */
  jump(ms: number): void;
  /** Timers set and neither fired nor cleared. */
  pending(): number;
}

export function manualClock(start = 1_000_000): ManualClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      nextId += 1;
      timers.set(nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const timer of timers) {
          if (timer[1].at <= target && (due === undefined || timer[1].at < due[1].at)) due = timer;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = target;
    },
    jump(ms) {
      now += ms;
    },
    pending: () => timers.size,
  };
}

let next = 0;

/** A fresh fault id, unique across the test run. */
export function nextId(): string {
  next += 1;
  return `f${next}`;
}

/** A recoverable envelope fault (code 4001) with a fresh id, changed by `overrides`. */
export function fault(overrides: Partial<EnvelopeFault> = {}): EnvelopeFault {
  return {
    id: nextId(),
    source: 'envelope',
    kind: 'application',
    code: 4001,
    message: 'room not found',
    severity: 'recoverable',
    action: 'none',
    timestamp: 0,
    detail: {},
    ...overrides,
  };
}

/** A fatal fault: `reauthenticate` (code 4003) by default. */
export function fatalFault(overrides: Partial<EnvelopeFault> = {}): EnvelopeFault {
  return fault({
    code: 4003,
    message: 'token expired',
    severity: 'fatal',
    action: 'reauthenticate',
    ...overrides,
  });
}

/** A recoverable close 1006 (kind `transport`, action `reconnect`), changed by `overrides`. */
export function closeFault(overrides: Partial<CloseFault> = {}): CloseFault {
  return {
    id: nextId(),
    source: 'close',
    kind: 'transport',
    code: 1006,
    message: 'Connection lost. Reconnecting…',
    severity: 'recoverable',
    action: 'reconnect',
    timestamp: 0,
    detail: { closeCode: 1006, closeReason: '', wasClean: false },
    ...overrides,
  };
}

/** A transport fault (`heartbeat_timeout` by default), changed by `overrides`. */
export function transportFault(overrides: Partial<TransportFault> = {}): TransportFault {
  return {
    id: nextId(),
    source: 'transport',
    kind: 'transport',
    code: 'heartbeat_timeout',
    message: 'Connection lost. Reconnecting…',
    severity: 'recoverable',
    action: 'reconnect',
    timestamp: 0,
    detail: {},
    ...overrides,
  };
}

/** A client-side fault (`invalid_frame` by default), changed by `overrides`. */
export function clientFault(overrides: Partial<ClientFault> = {}): ClientFault {
  return {
    id: nextId(),
    source: 'client',
    kind: 'application',
    code: 'invalid_frame',
    message: 'Received an invalid message.',
    severity: 'recoverable',
    action: 'none',
    timestamp: 0,
    detail: {},
    ...overrides,
  };
}
