import { closeCodeForAppCode } from '../protocol/app-codes.js';
import type { WireMeta } from '../protocol/envelope.js';
import { buildEnvelope, buildErrorEnvelope, type ErrorEnvelopeOptions } from './envelope.js';
import { truncateCloseReason } from './reason.js';

/**
 * The part of a server-side socket these helpers use. A `WebSocket` from `ws` 8 fits it, and so
 * does any object with the same three members, so the helpers never load `ws` at run time.
 */
export interface ServerSocket {
  readonly readyState: number;
  send(data: string, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

/** `WebSocket.OPEN` in `ws` and in browsers. */
const OPEN = 1;

/** Ignores the late write error `ws` reports when the peer went away after `send` returned. */
const ignoreWriteError = (): void => {};

function sendText(socket: ServerSocket, text: string): boolean {
  if (socket.readyState !== OPEN) return false;
  try {
    socket.send(text, ignoreWriteError);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends one envelope. Returns whether it was handed to the socket: `false` when the socket is not
 * open or its `send` threw. Never throws.
 */
export function sendEnvelope(
  socket: ServerSocket,
  type: string,
  data: unknown,
  meta?: WireMeta,
): boolean {
  let text: string;
  try {
    text = JSON.stringify(buildEnvelope(type, data, meta));
  } catch {
    return false;
  }
  return sendText(socket, text);
}

/**
 * Sends an `"error"` envelope `{ code, message }` with an ISO timestamp, and `request_id` and
 * `retry_after_ms` when given. Returns whether it was sent. Never throws.
 */
export function sendError(
  socket: ServerSocket,
  code: number,
  message: string,
  options: ErrorEnvelopeOptions = {},
): boolean {
  return sendText(socket, JSON.stringify(buildErrorEnvelope(code, message, options)));
}

/** Options of {@link closeWithError}. */
export interface CloseWithErrorOptions extends ErrorEnvelopeOptions {
  /** The close code to use instead of {@link closeCodeForAppCode}'s; mapped the same way if invalid. */
  readonly closeCode?: number | undefined;
  /** The close reason. @default the message, cut to 123 bytes of UTF-8 */
  readonly reason?: string | undefined;
}

/**
 * Sends the error envelope, then closes with the matching close code (4000–4005 keep their code,
 * 5000 and other codes a close frame cannot carry become 1011). The client sees the pair as one
 * failure with the envelope's message. Returns `true` when the envelope was sent and the close
 * started; `false` (doing nothing) on a socket that is not open. Never throws.
 */
export function closeWithError(
  socket: ServerSocket,
  code: number,
  message: string,
  options: CloseWithErrorOptions = {},
): boolean {
  if (!sendError(socket, code, message, options)) return false;
  const closeCode = closeCodeForAppCode(options.closeCode ?? code);
  const reason = truncateCloseReason(options.reason ?? message);
  try {
    socket.close(closeCode, reason);
    return true;
  } catch {
    return false;
  }
}
