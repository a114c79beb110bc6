import { type FormEvent, type ReactNode, useState } from 'react';
import type { StoredFault } from '../../src/index.js';
import { useAuthRedirect, useSocket } from '../../src/react/index.js';
import { button, card } from './styles.js';

/** Props of {@link AuthGate}. */
export interface AuthGateProps {
  /**
   * Gets a fresh token for `user` and stores it where the socket's URL function reads it. The gate
   * reconnects once it resolves; a rejection is shown on the form.
   */
  readonly signIn: (user: string) => Promise<void> | void;
  readonly children?: ReactNode;
}

/**
 * Shows its children until the server rejects the session (a fatal `reauthenticate` fault, e.g.
 * 4003 "Token expired"), then a "Session expired" screen with a (fake) login form. Signing in gets
 * a fresh token and calls `reconnect()`: the socket does not retry on its own with a dead token.
 */
export function AuthGate({ signIn, children }: AuthGateProps): ReactNode {
  const { reconnect } = useSocket();
  const [expired, setExpired] = useState<StoredFault | null>(null);
  const [user, setUser] = useState('ada');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useAuthRedirect((fault) => setExpired(fault));

  if (expired === null) return children;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(user);
      setExpired(null);
      reconnect();
    } catch {
      setError('Sign-in failed. Please try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      aria-label="Sign in"
      onSubmit={submit}
      style={{ ...card, display: 'grid', gap: 8, maxWidth: 360 }}
    >
      <h2 style={{ margin: 0, fontSize: 18 }}>Session expired, sign in again</h2>
      <p style={{ margin: 0, color: '#5b6672' }}>{expired.message}</p>
      <label style={{ display: 'grid', gap: 4 }}>
        Name
        <input
          value={user}
          onChange={(e) => setUser(e.target.value)}
          style={{ font: 'inherit', padding: 4 }}
        />
      </label>
      {error !== null && <p role="alert">{error}</p>}
      <button type="submit" style={button} disabled={busy || user.trim() === ''}>
        Sign in
      </button>
    </form>
  );
}
