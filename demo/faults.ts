import { closeWithError, sendEnvelope, sendError } from '../src/server/index.js';
import { type DemoClient, type DemoState, isSilent } from './state.js';

/** Every failure the demo produces on demand. */
export const FAULTS = [
  'bad-request',
  'not-found',
  'closed-room',
  'expire-token',
  'forbidden',
  'rate-limit',
  'internal',
  'restart',
  'kill',
  'silence',
  'garbage',
  'refuse',
] as const;

export type FaultName = (typeof FAULTS)[number];

export function isFaultName(value: unknown): value is FaultName {
  return typeof value === 'string' && (FAULTS as readonly string[]).includes(value);
}

/** Options a control may carry (`data` of a control envelope, or the JSON body of the POST). */
export interface FaultOptions {
  /** `internal`: also close (with 1011). */
  readonly close?: boolean;
  /** `refuse`: how long to refuse, in seconds. */
  readonly seconds?: number;
  /** `rate-limit`: the hint. */
  readonly retryAfterMs?: number;
  /** Ties the error to the control request. */
  readonly requestId?: string | undefined;
}

/** The frames `garbage` sends: not JSON, not an object, a bad `type`, and 1 MiB of junk. */
export const GARBAGE_FRAMES = ['{not json', '[]', '{"type":5}', 'x'.repeat(1024 * 1024)];

/** Closes every socket with 1012 and refuses upgrades for `restartPauseMs`, like a deploy. */
function restart(state: DemoState): void {
  state.refuseUntil = Date.now() + state.options.restartPauseMs;
  for (const client of state.clients) client.socket.close(1012, 'Service restart');
}

/**
 * Makes one failure happen. Per-socket faults hit `targets` (the socket that asked, or every
 * socket for an HTTP control); `restart` and `refuse` act on the whole server.
 */
export function applyFault(
  state: DemoState,
  fault: FaultName,
  targets: Iterable<DemoClient>,
  options: FaultOptions = {},
): void {
  state.log(`fault: ${fault}`);
  const error = { requestId: options.requestId };
  if (fault === 'restart') {
    restart(state);
    return;
  }
  if (fault === 'refuse') {
    const ms = options.seconds !== undefined ? options.seconds * 1000 : state.options.refuseMs;
    state.refuseUntil = Date.now() + ms;
    return;
  }
  for (const client of [...targets]) {
    const { socket } = client;
    if (isSilent(client) && fault !== 'kill') continue;
    switch (fault) {
      case 'bad-request':
        sendError(socket, 4000, 'Bad request: missing field "room"', error);
        break;
      case 'not-found':
        sendError(socket, 4001, 'Room "nowhere" not found', error);
        break;
      case 'closed-room':
        sendError(socket, 4002, 'Room "archive" is closed', error);
        break;
      case 'expire-token':
        closeWithError(socket, 4003, 'Token expired', error);
        break;
      case 'forbidden':
        closeWithError(socket, 4004, 'Forbidden: you cannot use this room', error);
        break;
      case 'rate-limit':
        sendError(socket, 4005, 'Too many requests', {
          ...error,
          retryAfterMs: options.retryAfterMs ?? state.options.retryAfterMs,
        });
        break;
      case 'internal':
        if (options.close) closeWithError(socket, 5000, 'Internal server error', error);
        else sendError(socket, 5000, 'Internal server error', error);
        break;
      case 'kill':
        socket.terminate();
        break;
      case 'silence':
        client.silentUntil = Date.now() + state.options.silenceMs;
        break;
      case 'garbage':
        for (const frame of GARBAGE_FRAMES)
          if (socket.readyState === socket.OPEN) socket.send(frame);
        break;
    }
  }
}

/** Acknowledges a control that produces no frame of its own, so a request does not hang. */
export function acknowledge(client: DemoClient, fault: FaultName, requestId?: string): void {
  if (fault !== 'refuse' || requestId === undefined) return;
  sendEnvelope(client.socket, 'control', { fault, ok: true }, { request_id: requestId });
}
