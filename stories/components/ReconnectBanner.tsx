import type { ReactNode } from 'react';
import { useRetryCountdown, useSocket } from '../../src/react/index.js';
import { button, tone } from './styles.js';

const banner = {
  ...tone.busy,
  border: '1px solid',
  borderRadius: 8,
  padding: '8px 12px',
  display: 'flex',
  alignItems: 'center',
  gap: 12,
} as const;

/**
 * What a user sees when the connection is really down: nothing during a blip (the socket's `lost`
 * flag waits out the grace period), then "Reconnecting in N s…" with a "Retry now" button; and,
 * once a fatal fault stopped the socket, the fault's message with a "Reconnect" button.
 */
export function ReconnectBanner(): ReactNode {
  const { snapshot, reconnect } = useSocket();
  const { seconds, retryNow } = useRetryCountdown();
  if (snapshot.status === 'failed') {
    return (
      <div role="alert" aria-label="Connection problem" style={{ ...banner, ...tone.bad }}>
        <span>Connection failed: {snapshot.fault.message}</span>
        <button type="button" style={button} onClick={reconnect}>
          Reconnect
        </button>
      </div>
    );
  }
  const down = snapshot.status === 'reconnecting' || snapshot.status === 'connecting';
  if (!down || !snapshot.lost) return null;
  let text = 'Reconnecting…';
  if (snapshot.status === 'reconnecting') {
    text = seconds === null ? 'Waiting for the network…' : `Reconnecting in ${seconds} s…`;
  }
  return (
    <div role="alert" aria-label="Connection problem" style={banner}>
      <span>{text}</span>
      <button type="button" style={button} onClick={retryNow}>
        Retry now
      </button>
    </div>
  );
}
