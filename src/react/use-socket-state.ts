'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type { MessageMap, SocketSnapshot } from '../core/types.js';
import type { SocketSource } from './context.js';
import { IDLE_SNAPSHOT } from './snapshot.js';
import { useRetainedSocket } from './use-retained-socket.js';
import { useSnapshotStore } from './use-snapshot-store.js';

/**
 * One value picked from the socket's snapshot; the component re-renders only when that value
 * changes (`isEqual`, default `Object.is`). Messages never re-render it: the snapshot does not change
 * on messages. Holds a shared socket while mounted (alone, it connects it); a disabled source
 * (`enabled: false`) selects from the `idle` snapshot, as on the server and during hydration.
 */
export function useSocketState<T, M extends MessageMap = MessageMap>(
  selector: (snapshot: SocketSnapshot) => T,
  source?: SocketSource<M>,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  const [socket, enabled] = useRetainedSocket(source);
  const [subscribe, getSnapshot] = useSnapshotStore(socket, enabled);
  // Memoized selection as in React's useSyncExternalStoreWithSelector: the same snapshot gives the
  // same selection, and an equal selection keeps the previous reference.
  const [getSelection, getServerSelection] = useMemo(() => {
    let memo: { snapshot: SocketSnapshot; selection: T } | null = null;
    const select = (snapshot: SocketSnapshot): T => {
      if (memo !== null && memo.snapshot === snapshot) return memo.selection;
      const next = selector(snapshot);
      const selection = memo !== null && isEqual(memo.selection, next) ? memo.selection : next;
      memo = { snapshot, selection };
      return selection;
    };
    return [() => select(getSnapshot()), () => select(IDLE_SNAPSHOT)];
  }, [getSnapshot, selector, isEqual]);
  return useSyncExternalStore(subscribe, getSelection, getServerSelection);
}
