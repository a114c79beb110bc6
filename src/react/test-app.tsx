/** Test-only: one component tree using every hook, for the server-rendering tests. */
import { selectFaults } from '../core/error-store.js';
import { useAuthRedirect } from './use-auth-redirect.js';
import { useErrorToasts } from './use-error-toasts.js';
import { useLatestMessage } from './use-latest-message.js';
import { useRetryCountdown } from './use-retry-countdown.js';
import { useSocket } from './use-socket.js';
import { useSocketErrors } from './use-socket-errors.js';
import { useSocketMessage } from './use-socket-message.js';
import { useSocketState } from './use-socket-state.js';

const selectStatus = (s: { status: string }) => s.status;

export function EveryHook({ onMessage }: { onMessage?: () => void }) {
  const { status } = useSocket();
  const selected = useSocketState(selectStatus);
  const latest = useLatestMessage('chat');
  useSocketMessage('chat', () => onMessage?.());
  const faults = useSocketErrors(selectFaults);
  const { toasts } = useErrorToasts();
  useAuthRedirect(() => {});
  const { seconds } = useRetryCountdown();
  const latestText = latest === undefined ? 'none' : 'some';
  return (
    <p>{`${status}/${selected}/${latestText}/${faults.length}/${toasts.length}/${seconds ?? 'no-retry'}`}</p>
  );
}
