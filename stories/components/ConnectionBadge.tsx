import type { ReactNode } from 'react';
import type { SocketSnapshot, SocketStatus } from '../../src/index.js';
import { useSocketState } from '../../src/react/index.js';
import { pill, tone } from './styles.js';

const LABELS: Record<SocketStatus, string> = {
  idle: 'Idle',
  connecting: 'Connecting…',
  open: 'Online',
  reconnecting: 'Reconnecting',
  closed: 'Closed',
  failed: 'Failed',
};

const TONES: Record<SocketStatus, (typeof tone)[keyof typeof tone]> = {
  idle: tone.idle,
  connecting: tone.busy,
  open: tone.ok,
  reconnecting: tone.busy,
  closed: tone.idle,
  failed: tone.bad,
};

// Module-level selectors: the badge re-renders only when one of these values changes.
const selectStatus = (s: SocketSnapshot) => s.status;
const selectAttempt = (s: SocketSnapshot) => s.attempt;

/**
 * The connection's status and attempt number, e.g. "Reconnecting · attempt 2". A live region
 * (`role="status"`, named "Connection"), so screen readers hear changes without focus moving.
 */
export function ConnectionBadge(): ReactNode {
  const status = useSocketState(selectStatus);
  const attempt = useSocketState(selectAttempt);
  return (
    <span
      role="status"
      aria-label="Connection"
      data-status={status}
      style={{ ...pill, ...TONES[status] }}
    >
      <span aria-hidden="true">●</span>
      <span>
        {LABELS[status]}
        {attempt > 0 && <span style={{ fontWeight: 400 }}>{` · attempt ${attempt}`}</span>}
      </span>
    </span>
  );
}
