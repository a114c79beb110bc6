'use client';
import { useMemo } from 'react';
import { type ErrorState, selectToasts, type Toast } from '../core/error-store/error-store.js';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useSocketErrors } from './use-socket-errors.js';

/** What {@link useErrorToasts} returns. */
export interface ErrorToasts {
  /**
   * Toasts to show, newest first. Repeats of a fault and different faults that read the same
   * (equal message and severity) are one toast with the summed `count`; `faults` lists them.
   */
  readonly toasts: readonly Toast[];
  /** Closes a toast: pass its `id`; every fault merged into it is dismissed. */
  readonly dismiss: ErrorState['dismiss'];
  readonly dismissAll: ErrorState['dismissAll'];
}

const selectDismiss = (state: ErrorState) => state.dismiss;
const selectDismissAll = (state: ErrorState) => state.dismissAll;

/**
 * The toasts of the socket's error store and how to dismiss them. Recoverable ones expire by the
 * store's own timer and connection faults close when the socket opens again; this hook only reads.
 */
export function useErrorToasts<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): ErrorToasts {
  const toasts = useSocketErrors(selectToasts, source);
  const dismiss = useSocketErrors(selectDismiss, source);
  const dismissAll = useSocketErrors(selectDismissAll, source);
  return useMemo(() => ({ toasts, dismiss, dismissAll }), [toasts, dismiss, dismissAll]);
}
