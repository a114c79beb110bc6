import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { request } from '../request/request.js';
import type { Envelope, Socket, SocketMessages } from './types.js';

const schemas = {
  chat: z.object({ text: z.string() }),
  // What a sender gives (a string) is not what a handler gets (its length).
  count: z.string().transform((s) => s.length),
};
declare const socket: Socket<SocketMessages<typeof schemas>>;
declare const untyped: Socket;

describe('request reply types', () => {
  it('infers the reply data from a reply schema, after its transforms', () => {
    const reply = z.object({ room: z.string() }).transform((r) => r.room.length);
    expectTypeOf(request(socket, 'join', {}, { reply })).resolves.toEqualTypeOf<
      Envelope<string, number>
    >();
    expectTypeOf(request(untyped, 'join', 1, { reply, timeoutMs: 5 })).resolves.toEqualTypeOf<
      Envelope<string, number>
    >();
  });

  it('keeps the explicit reply type and unknown without a schema', () => {
    expectTypeOf(request(untyped, 'join', 1)).resolves.toEqualTypeOf<Envelope<string, unknown>>();
    expectTypeOf(request<object, 'join', { ok: true }>(untyped, 'join', 1)).resolves.toEqualTypeOf<
      Envelope<string, { ok: true }>
    >();
  });
});

describe('send takes a schema input, handlers get its output', () => {
  it('types send and request data by the input of a transforming schema', () => {
    socket.send('count', 'abc');
    // @ts-expect-error: count is sent as a string (its input), not as its parsed length
    socket.send('count', 3);
    void request(socket, 'count', 'abc');
    // @ts-expect-error: the request data is the input too
    void request(socket, 'count', 3);
    socket.send('chat', { text: 'hi' });
    // @ts-expect-error: text must be a string
    socket.send('chat', { text: 1 });
    socket.send('other', 42);
  });

  it('types handler data by the output', () => {
    socket.on('count', (envelope) => expectTypeOf(envelope.data).toEqualTypeOf<number>());
    socket.on('chat', (envelope) => expectTypeOf(envelope.data).toEqualTypeOf<{ text: string }>());
    socket.on('other', (envelope) => expectTypeOf(envelope.data).toBeUnknown());
  });

  it('a hand-written message map types send and handlers alike', () => {
    interface Messages {
      chat: { text: string };
    }
    const typed = {} as Socket<Messages>;
    typed.send('chat', { text: 'hi' });
    // @ts-expect-error: text must be a string
    typed.send('chat', { text: 1 });
    typed.on('chat', (envelope) => expectTypeOf(envelope.data).toEqualTypeOf<{ text: string }>());
  });
});
