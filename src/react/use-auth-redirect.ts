'use client';
import { useEffect, useRef } from 'react';
import { type StoredFault, selectAuthFault } from '../core/error-store/error-store.js';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useLatestRef } from './use-latest-ref.js';
import { useSocketErrors } from './use-socket-errors.js';

/**
 * Calls `callback` once per fatal `reauthenticate` fault (e.g. to navigate to a login page),
 * including one already present at mount. The newest callback is called; it need not be memoized.
 * Holds a shared socket while mounted, like every hook given a source.
 */
export function useAuthRedirect<M extends MessageMap = MessageMap>(
  callback: (fault: StoredFault) => void,
  source?: SocketSource<M>,
): void {
  const fault = useSocketErrors(selectAuthFault, source);
  const latest = useLatestRef(callback);
  // The id last handled: StrictMode re-runs the effect on the same fault without a second call.
  const handled = useRef<string | null>(null);
  useEffect(() => {
    if (fault === null || handled.current === fault.id) return;
    handled.current = fault.id;
    latest.current(fault);
  }, [fault, latest]);
}
