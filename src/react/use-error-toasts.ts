'use client';
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { type ErrorState, selectToasts, type Toast } from '../core/error-store/error-store.js';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useRetainedSocket } from './use-retained-socket.js';

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

/**
 * The toasts of the socket's error store and how to dismiss them. Recoverable ones expire by the
 * store's own timer and connection faults close when the socket opens again; this hook only reads.
 * Holds a shared socket while mounted; with a disabled source it holds nothing and still reads.
 */
export function useErrorToasts<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): ErrorToasts {
  const store = useRetainedSocket(source)[0].errors;
  const toasts = useStore(store, selectToasts);
  // The store's actions keep their identity: read once per store.
  return useMemo(() => {
    const { dismiss, dismissAll } = store.getState();
    return { toasts, dismiss, dismissAll };
  }, [store, toasts]);
}
