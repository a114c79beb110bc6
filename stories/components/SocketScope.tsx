import { type ReactNode, useEffect, useState } from 'react';
import { createSocket, type SocketOptions } from '../../src/index.js';
import { SocketProvider } from '../../src/react/index.js';

/** Props of {@link SocketScope}. */
export interface SocketScopeProps {
  /** `createSocket` options, read once on mount (`autoConnect` is ignored: it connects on mount). */
  readonly options: SocketOptions;
  readonly children?: ReactNode;
}

/**
 * Owns one socket for the components below: made on mount, connected in an effect, closed on
 * unmount, so a story (or a page) never leaks a connection into the next one. StrictMode's
 * mount-unmount-mount closes and reconnects the same socket.
 */
export function SocketScope({ options, children }: SocketScopeProps): ReactNode {
  const [socket] = useState(() => createSocket({ ...options, autoConnect: false }));
  useEffect(() => {
    socket.connect();
    return () => socket.close();
  }, [socket]);
  return <SocketProvider socket={socket}>{children}</SocketProvider>;
}
