/** Test-only: one component tree using every hook, for the server-rendering tests. */
import { selectFaults } from '../../src/core/error-store/error-store.js';
import { useAuthRedirect } from '../../src/react/use-auth-redirect.js';
import { useErrorToasts } from '../../src/react/use-error-toasts.js';
import { useLatestMessage } from '../../src/react/use-latest-message.js';
import { useRetryCountdown } from '../../src/react/use-retry-countdown.js';
import { useSocket } from '../../src/react/use-socket.js';
import { useSocketErrors } from '../../src/react/use-socket-errors.js';
import { useSocketMessage } from '../../src/react/use-socket-message.js';
import { useSocketState } from '../../src/react/use-socket-state.js';

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
