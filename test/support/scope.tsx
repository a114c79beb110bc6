/** Test-only: a StrictMode tree whose hooks share sockets in `registry`, with no provider socket. */
import { type ReactNode, StrictMode, useState } from 'react';
import { createErrorStore } from '../../src/core/error-store/error-store.js';
import { SocketProvider } from '../../src/react/context.js';
import type { ReactSocketRegistry } from '../../src/react/default-registry.js';
import { createTestSocket } from './test-socket.js';

/** StrictMode, and a provider only to scope `registry`. */
export function Scope({
  registry,
  children,
}: {
  registry: ReactSocketRegistry;
  children?: ReactNode;
}) {
  // The provider needs a socket; this one is not the registry's, so holding it changes nothing.
  const [unused] = useState(() => createTestSocket(createErrorStore()));
  return (
    <StrictMode>
      <SocketProvider socket={unused} registry={registry}>
        {children}
      </SocketProvider>
    </StrictMode>
  );
}

/** A `wrapper` for `render`/`renderHook` that renders {@link Scope}. */
export const scopeOf =
  (registry: ReactSocketRegistry) =>
  ({ children }: { children?: ReactNode }) => <Scope registry={registry}>{children}</Scope>;
