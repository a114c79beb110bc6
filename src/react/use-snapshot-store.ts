'use client';
import { useMemo } from 'react';
import type { AnySocket, SocketSnapshot } from '../core/types.js';
import { IDLE_SNAPSHOT } from './snapshot.js';

/** `subscribe` and `getSnapshot` for `useSyncExternalStore`, stable per socket. */
export interface SnapshotStore {
  readonly subscribe: (onChange: () => void) => () => void;
  readonly getSnapshot: () => SocketSnapshot;
}

const noop = () => {};
const DISABLED: SnapshotStore = { subscribe: () => noop, getSnapshot: () => IDLE_SNAPSHOT };

/** Internal. The socket's snapshot store, or a constant `idle` one while disabled. */
export function useSnapshotStore(socket: AnySocket, enabled: boolean): SnapshotStore {
  return useMemo(
    () =>
      enabled
        ? {
            subscribe: (onChange: () => void) => socket.subscribe(onChange),
            getSnapshot: () => socket.getSnapshot(),
          }
        : DISABLED,
    [socket, enabled],
  );
}
