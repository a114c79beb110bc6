'use client';
import { useStore } from 'zustand';
import type { ErrorState } from '../core/error-store/error-store.js';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useRetainedSocket } from './use-retained-socket.js';

/**
 * A value picked from the socket's error store, re-rendering when it changes (`Object.is`). The
 * selector must return a value held in the state (as the store's `select*` selectors do), not a new
 * array or object per call. Holds a shared socket while mounted (alone, it connects it); with a
 * disabled source it holds nothing and still reads the store.
 */
export function useSocketErrors<T, M extends MessageMap = MessageMap>(
  selector: (state: ErrorState) => T,
  source?: SocketSource<M>,
): T {
  return useStore(useRetainedSocket(source)[0].errors, selector);
}
