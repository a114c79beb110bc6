import { useEffect, useState } from 'react';
import { useAuthRedirect, useErrorToasts, useSocket, useSocketMessage } from 'sockguard/react';
import { isChat } from './chat';

const LOGIN_HASH = '#/login';

/** The whole app: a chat view, or the login screen the auth redirect leads to. */
export function App() {
  const hash = useHash();
  useAuthRedirect(() => {
    window.location.hash = LOGIN_HASH;
  });
  return hash === LOGIN_HASH ? <Login /> : <Chat />;
}

function Chat() {
  const { status, send } = useSocket();
  const [lines, setLines] = useState<readonly { id: number; text: string }[]>([]);
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

function Login() {
  return (
    <main>
      <h1>Please log in</h1>
      <p>Your session expired.</p>
    </main>
  );
}

function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}
