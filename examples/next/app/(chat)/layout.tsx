import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { SocketProvider } from 'sockguard/react';

/**
 * A server component. `SocketProvider` is a client component (its module starts with
 * 'use client'), so it can sit here as long as its props are plain data: a string URL, numbers.
 */
export default async function ChatLayout({ children }: { children: ReactNode }) {
  // Read the URL per request (not baked in at build time), so one build runs against any server.
  await connection();
  const url = process.env.CHAT_WS_URL ?? 'ws://127.0.0.1:8787';
  return (
    <SocketProvider options={{ url, connectTimeoutMs: 5000, lostAfterMs: 2000 }}>
      {children}
    </SocketProvider>
  );
}
