import { describe, expectTypeOf, it } from 'vitest';
import type { Envelope, SendResult, Socket } from '../core/types.js';
import { request } from '../request/request.js';
import { useLatestMessage } from './use-latest-message.js';
import { useSocket } from './use-socket.js';
import { useSocketMessage } from './use-socket-message.js';

interface Messages {
  chat: { text: string };
  presence: { online: number };
}
declare const socket: Socket<Messages>;

describe('message types flow from the socket into the hooks', () => {
  it('types a handler envelope by its message type', () => {
    useSocketMessage(
      'chat',
      (envelope) => {
        expectTypeOf(envelope.type).toEqualTypeOf<'chat'>();
        expectTypeOf(envelope.data).toEqualTypeOf<{ text: string }>();
      },
      socket,
    );
    useSocketMessage('other', (envelope) => expectTypeOf(envelope.data).toBeUnknown(), socket);
    useSocketMessage('*', (envelope) => expectTypeOf(envelope).toEqualTypeOf<Envelope>(), socket);
  });

  it('types the latest message by its type', () => {
    expectTypeOf(useLatestMessage('presence', socket)).toEqualTypeOf<
      Envelope<'presence', { online: number }> | undefined
    >();
  });

  it('checks send and request data against the schema', () => {
    const { send, socket: typed } = useSocket(socket);
    expectTypeOf(send('chat', { text: 'hi' })).toEqualTypeOf<SendResult>();
    // @ts-expect-error: chat data needs a text string
    send('chat', { text: 1 });
    // @ts-expect-error: presence data is not chat data
    void request(typed, 'presence', { text: 'hi' });
    expectTypeOf(request(typed, 'unknown', 42)).resolves.toExtend<Envelope>();
  });
});
