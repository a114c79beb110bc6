'use client';

import type { ReactNode } from 'react';
import { shareTabs } from 'sockguard';
import { SocketProvider } from 'sockguard/react';

/**
 * One connection for all tabs: the socket lives in the SharedWorker of `socket.worker.ts`, which
 * Next.js bundles from this `new URL(...)`. The factory runs in the browser only (when the socket
 * is made, after hydration); made once at module level, so every render passes the same value.
 */
const tabs = shareTabs({
  worker: () =>
    new SharedWorker(new URL('./socket.worker.ts', import.meta.url), {
      type: 'module',
      name: 'sockguard',
    }),
});

/** The socket provider of `/tabs`, for the server layout to render with a plain URL. */
export function SharedSocketProvider({ url, children }: { url: string; children: ReactNode }) {
  return (
    <SocketProvider options={{ url, connectTimeoutMs: 5000, lostAfterMs: 2000, tabs }}>
      {children}
    </SocketProvider>
  );
}
