import type { Clock } from '../core/clock.js';
import type { ErrorState, StoredFault } from '../core/error-store/error-store.js';
import type {
  EnvelopeOf,
  MessageMap,
  Socket,
  SocketMessages,
  SocketSnapshot,
} from '../core/types.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import type { SocketSource } from './context.js';
import { useAuthRedirect } from './use-auth-redirect.js';
import { type ErrorToasts, useErrorToasts } from './use-error-toasts.js';
import { useLatestMessage } from './use-latest-message.js';
import { useSocketInstance } from './use-retained-socket.js';
import { type RetryCountdown, useRetryCountdown } from './use-retry-countdown.js';
import { useSocket } from './use-socket.js';
import { useSocketErrors } from './use-socket-errors.js';
import { useSocketMessage } from './use-socket-message.js';
import type { UseSocketOptions, UseSocketResult } from './use-socket-result.js';
import { useSocketState } from './use-socket-state.js';

/** The hooks of `sockguard/react` with the message map fixed to `M`. */
export interface SocketHooks<M extends MessageMap> {
  readonly useSocket: (source?: SocketSource<M>, options?: UseSocketOptions) => UseSocketResult<M>;
  readonly useSocketMessage: <T extends string>(
    type: T,
    handler: (envelope: EnvelopeOf<M, T>) => void,
    source?: SocketSource<M>,
  ) => void;
  readonly useLatestMessage: <T extends string>(
    type: T,
    source?: SocketSource<M>,
  ) => EnvelopeOf<M, T> | undefined;
  readonly useSocketState: <T>(
    selector: (snapshot: SocketSnapshot) => T,
    source?: SocketSource<M>,
    isEqual?: (a: T, b: T) => boolean,
  ) => T;
  readonly useSocketErrors: <T>(selector: (state: ErrorState) => T, source?: SocketSource<M>) => T;
  readonly useErrorToasts: (source?: SocketSource<M>) => ErrorToasts;
  readonly useAuthRedirect: (
    callback: (fault: StoredFault) => void,
    source?: SocketSource<M>,
  ) => void;
  readonly useRetryCountdown: (source?: SocketSource<M>, clock?: Clock) => RetryCountdown;
  readonly useSocketInstance: (source?: SocketSource<M>) => Socket<M>;
}

/**
 * The hooks typed by your schemas, for the socket of the nearest `SocketProvider` (whose socket
 * the hooks cannot know the type of):
 *
 * ```ts
 * export const { useSocket, useSocketMessage } = createSocketHooks<typeof schemas>();
 * // or createSocketHooks(schemas)
 * ```
 *
 * Handlers get each schema's output, `send` and `request(socket, ...)` take its input. Types only: the
 * same hook functions are returned, and validation happens where the schemas are given to the
 * socket (`options.schemas` of the provider). The `schemas` value, if passed, is not used at run
 * time.
 */
export function createSocketHooks<S extends DataSchemas = DataSchemas>(
  _schemas?: S,
): SocketHooks<SocketMessages<S>> {
  return {
    useSocket,
    useSocketMessage,
    useLatestMessage,
    useSocketState,
    useSocketErrors,
    useErrorToasts,
    useAuthRedirect,
    useRetryCountdown,
    useSocketInstance,
  };
}
