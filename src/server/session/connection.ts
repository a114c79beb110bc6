/**
 * One accepted socket, from its first frame (which decides plain or delivery) to its close, and
 * the bounds on what it may make the server hold: frames received before the welcome, frames
 * waiting for the app's handler (the socket is paused past a limit, read again once the queue has
 * halved), and bytes the client has not read yet (a client that stops reading is closed as a slow
 * consumer; a delivery session stays for its resume).
 */
import { truncateCloseReason } from '../reason.js';
import type { Inbound } from './frames.js';
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
 * `delivery`: frames go to `session`; `done`: the layer stopped serving it (a limit was hit, or
 * its hello was answered with a close): nothing more is read from it or written to it.
 */
export type ConnectionMode = 'new' | 'hello' | 'plain' | 'delivery' | 'done';

/** The per-connection bounds (docs/server.md, "Limits"). */
export interface ConnectionLimits {
  readonly maxBacklogFrames: number;
  readonly maxBacklogBytes: number;
  readonly maxQueuedFrames: number;
  readonly maxQueuedBytes: number;
  readonly maxBufferedBytes: number;
}

/** How the layer stops serving a connection. */
export interface Stop {
  readonly code: number;
  readonly reason: string;
  /**
   * Read nothing more from it (a misbehaving peer): its close reply is not read either, so ws's
   * close timeout (30 s) ends the socket. Never for a recoverable close: the client would see its
   * close event only then, and come back that much later.
   */
  readonly deaf?: boolean;
}

/** Close codes of the limits: 1008 only for what a client following the protocol never does. */
export const LIMIT_CLOSE = {
  /** Frames before the welcome past the backlog: the protocol forbids them (a misbehaving peer). */
  backlog: { code: 1008, reason: 'Too many frames before the welcome', deaf: true },
  /** Frames waiting past twice the queue limit: a socket that cannot be paused (recoverable). */
  queue: { code: 1013, reason: 'Too many frames waiting: try again later' },
  /** The client does not read what is written to it (recoverable: it resumes later). */
  slow: { code: 1013, reason: 'Slow consumer: try again later' },
} as const;

/** A socket the layer serves. */
export class Connection<S extends SessionSocket> {
  mode: ConnectionMode = 'new';
  /** The session this connection's frames go to (set when it is attached, or on the first plain frame). */
  session: FrameSink<S> | undefined;
  /** Frames received while the hello is answered: the welcome goes before anything else. */
  readonly backlog: Inbound[] = [];
  /** The socket's `close` event came. */
  closed = false;
  private backlogBytes = 0;
  private queuedFrames = 0;
  private queuedBytes = 0;
  private paused = false;
  /** Unsent bytes allowed over `maxBufferedBytes` while a replay drains (see {@link replayed}). */
  private allowance = 0;

  constructor(
    readonly socket: S,
    /** The principal `accept` was given (`''`: anonymous). */
    readonly principal: string,
    private readonly limits: ConnectionLimits,
  ) {}

  /** True while the layer serves it: not closed by either side, no limit hit. */
  get live(): boolean {
    return this.mode !== 'done' && !this.closed;
  }

  /** Keeps a frame until the welcome; past the backlog limits the connection is closed (1008). */
  hold(item: Inbound): void {
    this.backlog.push(item);
    this.backlogBytes += item.size;
    const { maxBacklogFrames, maxBacklogBytes } = this.limits;
    if (this.backlog.length > maxBacklogFrames || this.backlogBytes > maxBacklogBytes) {
      this.stop(LIMIT_CLOSE.backlog);
    }
  }

  /** The frames held until the welcome, in order (the backlog is emptied). */
  takeBacklog(): Inbound[] {
    this.backlogBytes = 0;
    return this.backlog.splice(0);
  }

  /**
   * A frame of this connection entered its session's queue; call the returned function once it
   * is handled. Past `maxQueuedFrames` or `maxQueuedBytes` the socket is paused (TCP then slows
   * the client down); past twice either, which only a socket without `pause` reaches, the
   * connection is closed (1013).
   */
  queued(size: number): () => void {
    this.queuedFrames++;
    this.queuedBytes += size;
    const { maxQueuedFrames, maxQueuedBytes } = this.limits;
    if (this.queuedFrames > maxQueuedFrames || this.queuedBytes > maxQueuedBytes) {
      if (this.queuedFrames > 2 * maxQueuedFrames || this.queuedBytes > 2 * maxQueuedBytes) {
        this.stop(LIMIT_CLOSE.queue);
      } else if (!this.paused && typeof this.socket.pause === 'function') {
        this.paused = true;
        this.call(() => this.socket.pause?.());
      }
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.queuedFrames--;
      this.queuedBytes -= size;
      if (
        this.paused &&
        this.queuedFrames <= maxQueuedFrames / 2 &&
        this.queuedBytes <= maxQueuedBytes / 2
      ) {
        this.paused = false;
        this.call(() => this.socket.resume?.());
      }
    };
  }

  /** Writes one frame; false when the socket is not open or its `send` threw. Never throws. */
  write(text: string): boolean {
    if (!this.send(text)) return false;
    this.checkBuffered();
    return true;
  }

  /**
   * Writes a welcome and its replay. What they leave unsent may exceed `maxBufferedBytes` (a
   * history is written at once on resume) without making the client a slow consumer, until it has
   * drained below the limit once.
   */
  writeWelcome(welcome: string, replay: readonly string[]): void {
    if (!this.send(welcome)) return;
    for (const text of replay) this.send(text);
    const buffered = this.socket.bufferedAmount;
    if (typeof buffered === 'number' && buffered > this.limits.maxBufferedBytes) {
      this.allowance = buffered;
    }
  }

  private send(text: string): boolean {
    if (this.mode === 'done' || this.socket.readyState !== OPEN) return false;
    try {
      this.socket.send(text, ignoreWriteError);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * After a write (the layer's, or a plain client's through the `sockguard/server` helpers): a
   * client whose unread bytes passed `maxBufferedBytes` (plus what a replay left, until that
   * drains) is closed as a slow consumer (1013) and its socket destroyed, which frees the buffer.
   */
  checkBuffered(): void {
    const buffered = this.socket.bufferedAmount;
    if (typeof buffered !== 'number') return;
    const max = this.limits.maxBufferedBytes;
    if (buffered <= max) this.allowance = 0;
    else if (buffered > max + this.allowance) this.stop(LIMIT_CLOSE.slow, true);
  }

  /**
   * Stops serving the connection: frames still held are dropped, nothing more is handed on or
   * written, the socket is closed with `close.code`; a `deaf` stop also stops reading it (a peer
   * that goes on sending is not even read), and `terminate` destroys it (a client that does not
   * read would not read the close frame either).
   */
  stop(close: Stop, terminate = false): void {
    if (this.mode === 'done') return;
    this.mode = 'done';
    this.backlog.length = 0;
    this.backlogBytes = 0;
    this.close(close.code, close.reason);
    if (terminate) this.call(() => this.socket.terminate?.());
    else if (close.deaf === true && !this.paused) this.call(() => this.socket.pause?.());
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

  /** Calls an optional socket method; an adapter's throw must not break the layer. */
  private call(action: () => void): void {
    try {
      action();
    } catch {
      // Nothing to do: the bound still holds by closing, which does not depend on it.
    }
  }
}
