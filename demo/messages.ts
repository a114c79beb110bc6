import type { WireEnvelope } from '../src/server/index.js';
import { acknowledge, applyFault, type FaultOptions, isFaultName } from './faults.js';
import { type DemoClient, type DemoState, isSilent, send, sendErrorTo } from './state.js';

interface Inbound {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly requestId: string | undefined;
}

/** The envelope as the demo reads it (the session layer already refused malformed frames). */
function inbound(envelope: WireEnvelope): Inbound {
  const { type, data, meta } = envelope;
  const requestId = meta?.request_id;
  return {
    type,
    data: typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {},
    requestId: typeof requestId === 'string' ? requestId : undefined,
  };
}

/** Counts a chat message in the socket's one-second window; false once over the limit. */
function withinRate(state: DemoState, client: DemoClient): boolean {
  const now = Date.now();
  if (now - client.windowStart >= 1000) {
    client.windowStart = now;
    client.windowCount = 0;
  }
  client.windowCount++;
  return client.windowCount <= state.options.maxMessagesPerSecond;
}

function join(state: DemoState, client: DemoClient, message: Inbound): void {
  const error = { requestId: message.requestId };
  const name = message.data.room;
  if (typeof name !== 'string')
    return void sendErrorTo(client, 4000, 'Bad request: "room" is required', error);
  const room = state.rooms.get(name);
  if (!room) return void sendErrorTo(client, 4001, `Room "${name}" not found`, error);
  room.members.add(client);
  client.rooms.add(name);
  const meta = message.requestId === undefined ? undefined : { request_id: message.requestId };
  send(client, 'joined', { room: name, members: room.members.size, closed: room.closed }, meta);
}

function chat(state: DemoState, client: DemoClient, message: Inbound): void {
  const error = { requestId: message.requestId };
  const { room: name, text } = message.data;
  if (typeof name !== 'string' || typeof text !== 'string' || text === '') {
    return void sendErrorTo(client, 4000, 'Bad request: "room" and "text" are required', error);
  }
  const room = state.rooms.get(name);
  if (!room) return void sendErrorTo(client, 4001, `Room "${name}" not found`, error);
  if (room.closed) return void sendErrorTo(client, 4002, `Room "${name}" is closed`, error);
  if (!withinRate(state, client)) {
    return void sendErrorTo(client, 4005, 'Too many messages', {
      ...error,
      retryAfterMs: state.options.retryAfterMs,
    });
  }
  room.members.add(client);
  client.rooms.add(name);
  const data = { room: name, text: text.slice(0, 2000), from: client.id };
  for (const member of room.members) {
    const own = member === client && message.requestId !== undefined;
    send(member, 'chat', data, own ? { request_id: message.requestId } : undefined);
  }
}

function control(state: DemoState, client: DemoClient, message: Inbound): void {
  const { fault, close, seconds, retryAfterMs } = message.data;
  if (!isFaultName(fault)) {
    return void sendErrorTo(client, 4000, 'Bad request: unknown fault', {
      requestId: message.requestId,
    });
  }
  const options: FaultOptions = {
    close: close === true,
    requestId: message.requestId,
    ...(typeof seconds === 'number' ? { seconds } : {}),
    ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
  };
  applyFault(state, fault, [client], options);
  acknowledge(client, fault, message.requestId);
}

/** Handles one envelope from a client (malformed frames were answered by the session layer). */
export function handleEnvelope(state: DemoState, client: DemoClient, envelope: WireEnvelope): void {
  if (isSilent(client)) return;
  const message = inbound(envelope);
  switch (message.type) {
    case 'ping':
      send(client, 'pong', undefined);
      return;
    case 'join':
      join(state, client, message);
      return;
    case 'chat':
      chat(state, client, message);
      return;
    case 'control':
      control(state, client, message);
      return;
    default:
      sendErrorTo(client, 4000, `Bad request: unknown type "${message.type}"`, {
        requestId: message.requestId,
      });
  }
}
