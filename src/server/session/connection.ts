/** One accepted socket, from its first frame (which decides plain or delivery) to its close. */
import { truncateCloseReason } from '../reason.js';
import type { Inbound } from './inbound.js';
import type { SessionSocket } from './types.js';

const OPEN = 1;
const ignoreWriteError = (): void => {};

/** What a connection hands its frames to once its kind is known. */
export interface FrameSink<S extends SessionSocket> {
  enqueue(item: Inbound, connection: Connection<S>): void;
  /** `connection` closed. */
  detach(connection: Connection<S>): void;
}

/**
 * `new`: no frame yet; `hello`: a hello is being answered (frames wait in `backlog`); `plain` or
 * `delivery`: frames go to `session`.
 */
export type ConnectionMode = 'new' | 'hello' | 'plain' | 'delivery';

/** A socket the layer serves. */
export class Connection<S extends SessionSocket> {
  mode: ConnectionMode = 'new';
  /** The session this connection's frames go to (set when it is attached, or on the first plain frame). */
  session: FrameSink<S> | undefined;
  /** Frames received while the hello is answered: the welcome goes before anything else. */
  readonly backlog: Inbound[] = [];
  closed = false;

  constructor(readonly socket: S) {}

  /** Writes one frame; false when the socket is not open or its `send` threw. Never throws. */
  write(text: string): boolean {
    if (this.socket.readyState !== OPEN) return false;
    try {
      this.socket.send(text, ignoreWriteError);
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the socket (reason cut to 123 bytes); a socket already closing is left alone. */
  close(code?: number, reason?: string): void {
    if (this.socket.readyState > OPEN) return;
    try {
      if (code === undefined) this.socket.close();
      else this.socket.close(code, truncateCloseReason(reason ?? ''));
    } catch {
      // An invalid code from the app: the frame could not be sent, the socket stays as it was.
    }
  }
}
