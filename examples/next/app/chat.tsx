'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useAuthRedirect, useErrorToasts, useSocket, useSocketMessage } from 'sockguard/react';

interface Line {
  readonly id: number;
  readonly text: string;
}

function isChat(data: unknown): data is { user: string; text: string } {
  if (typeof data !== 'object' || data === null) return false;
  const { user, text } = data as Record<string, unknown>;
  return typeof user === 'string' && typeof text === 'string';
}

/**
 * The chat, a client component: the hooks use the socket of the provider of the layout above it
 * (one per tab in `(chat)/layout.tsx`, one for all tabs in `tabs/layout.tsx`).
 */
export function Chat() {
  const router = useRouter();
  useAuthRedirect(() => router.replace('/login'));
  // Rendered on the server as `idle`; the socket connects after hydration.
  const { status, send } = useSocket();
  const [lines, setLines] = useState<readonly Line[]>([]);
  useSocketMessage('chat', ({ data }) => {
    if (!isChat(data)) return;
    // Append-only, so the position is a stable id.
    setLines((previous) => [
      ...previous,
      { id: previous.length, text: `${data.user}: ${data.text}` },
    ]);
  });
  return (
    <main>
      <p>
        Status: <span data-testid="status">{status}</span>
      </p>
      <ul data-testid="messages">
        {lines.map((line) => (
          <li key={line.id}>{line.text}</li>
        ))}
      </ul>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const input = event.currentTarget.elements.namedItem('text');
          if (!(input instanceof HTMLInputElement) || input.value === '') return;
          send('chat', { user: 'me', text: input.value });
          input.value = '';
        }}
      >
        <input name="text" aria-label="Message" autoComplete="off" />
        <button type="submit">Send</button>
      </form>
      <Toasts />
    </main>
  );
}

function Toasts() {
  const { toasts, dismiss } = useErrorToasts();
  return (
    <ul data-testid="toasts">
      {toasts.map((toast) => (
        <li key={toast.id} role="alert">
          {toast.message}
          {toast.count > 1 && ` (x${toast.count})`}
          <button type="button" onClick={() => dismiss(toast.id)}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
