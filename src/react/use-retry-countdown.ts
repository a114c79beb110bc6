'use client';
import { useCallback, useEffect, useMemo, useReducer } from 'react';
import { type Clock, monotonicOf, systemClock } from '../core/clock.js';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { selectNextRetryAt } from './snapshot.js';
import { useRetainedSocket } from './use-retained-socket.js';
import { useSocketState } from './use-socket-state.js';

/** What {@link useRetryCountdown} returns. */
export interface RetryCountdown {
  /** Whole seconds until the next attempt (rounded up), or null when no attempt is scheduled. */
  readonly seconds: number | null;
  /** Epoch ms of the next attempt, or null. */
  readonly nextRetryAt: number | null;
  /** Retry at once (the socket's `reconnect()`). */
  readonly retryNow: () => void;
}

/**
 * "Reconnecting in 3 s... Retry now": ticks once a second while a retry is scheduled, and not at all
 * otherwise. Holds a shared socket while mounted. `clock` should be the socket's own clock when one
 * was injected. @default systemClock
 */
export function useRetryCountdown<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
  clock: Clock = systemClock,
): RetryCountdown {
  // The source, not the socket, goes on to useSocketState, which honours `enabled`.
  const [socket] = useRetainedSocket(source);
  const nextRetryAt = useSocketState(selectNextRetryAt, source);
  const [, tick] = useReducer((n: number) => n + 1, 0);
  // The wait is read off the wall clock once, when the retry is planned, then counted down on the
  // monotonic clock: a wall clock stepped back an hour must not show "Reconnecting in 3600 s".
  const remainingMs = useMemo(() => {
    if (nextRetryAt === null) return () => 0;
    const elapsed = monotonicOf(clock);
    const wait = nextRetryAt - clock.now();
    const from = elapsed();
    return () => wait - (elapsed() - from);
  }, [nextRetryAt, clock]);
  useEffect(() => {
    if (nextRetryAt === null) return;
    let handle: unknown = null;
    const schedule = () => {
      const remaining = remainingMs();
      if (remaining <= 0) return;
      // Wake exactly when the rounded-up second count changes.
      handle = clock.setTimeout(
        () => {
          tick();
          schedule();
        },
        ((remaining - 1) % 1000) + 1,
      );
    };
    schedule();
    return () => clock.clearTimeout(handle);
  }, [nextRetryAt, clock, remainingMs]);
  const retryNow = useCallback(() => socket.reconnect(), [socket]);
  const seconds = nextRetryAt === null ? null : Math.max(0, Math.ceil(remainingMs() / 1000));
  return { seconds, nextRetryAt, retryNow };
}
