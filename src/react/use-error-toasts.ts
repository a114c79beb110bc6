import { useMemo } from 'react';
import { type ErrorState, type StoredFault, selectToasts } from '../core/error-store.js';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useSocketErrors } from './use-socket-errors.js';

/** What {@link useErrorToasts} returns. */
export interface ErrorToasts {
  /** Faults to show, newest first; a merged repeat is one toast with its `count`. */
  readonly toasts: readonly StoredFault[];
  readonly dismiss: ErrorState['dismiss'];
  readonly dismissAll: ErrorState['dismissAll'];
}

const selectDismiss = (state: ErrorState) => state.dismiss;
const selectDismissAll = (state: ErrorState) => state.dismissAll;

/**
 * The toasts of the socket's error store and how to dismiss them. Recoverable ones expire by the
 * store's own timer; this hook only reads.
 */
export function useErrorToasts<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): ErrorToasts {
  const toasts = useSocketErrors(selectToasts, source);
  const dismiss = useSocketErrors(selectDismiss, source);
  const dismissAll = useSocketErrors(selectDismissAll, source);
  return useMemo(() => ({ toasts, dismiss, dismissAll }), [toasts, dismiss, dismissAll]);
}
