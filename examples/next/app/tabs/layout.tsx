import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { SharedSocketProvider } from './shared-socket-provider';

/**
 * A server component, like `(chat)/layout.tsx`, but its socket is shared by every tab: the
 * `tabs` option holds a function (the worker's factory), which cannot cross from a server
 * component to a client one, so the provider is wrapped in a client component given the URL.
 */
export default async function TabsLayout({ children }: { children: ReactNode }) {
  await connection();
  const url = process.env.CHAT_WS_URL ?? 'ws://127.0.0.1:8787';
  return <SharedSocketProvider url={url}>{children}</SharedSocketProvider>;
}
