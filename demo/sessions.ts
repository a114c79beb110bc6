/**
 * The demo's use of the `sockguard/server` session layer: a client with delivery on gets acks,
 * dedupe and resume (its session keeps its rooms while it is away, so what is said there is
 * replayed when it comes back); a client without it is served exactly as before.
 */
import {
  createMemoryHistory,
  createSessionServer,
  type Session,
  type SessionServer,
  type SessionSocket,
} from '../src/server/index.js';
import { handleEnvelope } from './messages.js';
import { type DemoClient, type DemoState, isSilent } from './state.js';

/** The socket the session layer sees, with the client it belongs to. */
export interface DemoSocket extends SessionSocket {
  readonly client: DemoClient;
}

/**
 * The client's socket, muted both ways while `silence` lasts, like a dead link: frames from the
 * client are not read, and nothing is written (not even acks). A delivery session still numbers
 * and keeps what it is sent, so the client gets it on resume.
 */
export function demoSocket(client: DemoClient): DemoSocket {
  const { socket } = client;
  return {
    client,
    get readyState() {
      return socket.readyState;
    },
    send(text, callback) {
      if (!isSilent(client)) socket.send(text, callback);
    },
    close(code, reason) {
      socket.close(code, reason);
    },
    on(event: 'message' | 'close' | 'error', listener: (...args: never[]) => void) {
      const forward = listener as (...args: unknown[]) => void;
      if (event === 'message') {
        socket.on('message', (data, isBinary) => {
          if (!isSilent(client)) forward(data, isBinary);
        });
      } else {
        socket.on(event, (...args: unknown[]) => forward(...args));
      }
      return undefined;
    },
  };
}

/**
 * A socket's first frame names its session. A delivery session seen before (the client resumed)
 * hands this socket the rooms its earlier socket was in, so the room never sends it twice.
 */
function adopt(state: DemoState, client: DemoClient, session: Session): void {
  client.peer = session;
  if (!session.delivery) return;
  for (const room of state.rooms.values()) {
    for (const member of room.members) {
      if (member === client || member.peer !== session) continue;
      room.members.delete(member);
      room.members.add(client);
      client.rooms.add(room.name);
    }
  }
}

/** The session layer of the demo server. */
export function createDemoSessions(state: DemoState): SessionServer<DemoSocket> {
  return createSessionServer<DemoSocket>({
    // The demo answers pings itself, so that `silence` can withhold the pong.
    answerPings: false,
    sessionTtlMs: state.options.sessionTtlMs,
    history: state.options.store ?? createMemoryHistory(state.options.history),
    onMessage: (envelope, session, socket) => {
      if (socket.client.peer === undefined) adopt(state, socket.client, session);
      handleEnvelope(state, socket.client, envelope);
    },
    onSessionEnd: (session) => {
      if (!session.delivery) return;
      for (const room of state.rooms.values()) {
        for (const member of room.members) if (member.peer === session) room.members.delete(member);
      }
      state.log(`session ${session.id} forgotten`);
    },
    onError: (error) => state.log(`session ${error.kind} ${error.operation} failed`),
  });
}
