'use client';
import { useMemo } from 'react';
import type { AnySocket, SocketSnapshot } from '../core/types.js';
import { IDLE_SNAPSHOT } from './snapshot.js';

/** `subscribe` and `getSnapshot` for `useSyncExternalStore`, stable per socket. */
export type SnapshotStore = readonly [
  subscribe: (onChange: () => void) => () => void,
  getSnapshot: () => SocketSnapshot,
];

/** The `idle` snapshot, for the server, hydration and a disabled source. */
export const getIdleSnapshot = (): SocketSnapshot => IDLE_SNAPSHOT;

const DISABLED: SnapshotStore = [() => () => {}, getIdleSnapshot];

/** Internal. The socket's snapshot store, or a constant `idle` one while disabled. */
export const useSnapshotStore = (socket: AnySocket, enabled: boolean): SnapshotStore =>
  useMemo(
    () =>
      enabled ? [(onChange) => socket.subscribe(onChange), () => socket.getSnapshot()] : DISABLED,
    [socket, enabled],
  );
