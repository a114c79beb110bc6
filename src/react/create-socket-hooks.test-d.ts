import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Envelope, Socket } from '../core/types.js';
import { request } from '../request/request.js';
import { validate } from '../validate/validate.js';
import { createSocketHooks } from './create-socket-hooks.js';
import { useSocket } from './use-socket.js';

const schemas = {
  chat: z.object({ user: z.string(), text: z.string() }),
  count: z.string().transform((s) => s.length),
};

describe('createSocketHooks types the provider hooks by the schemas', () => {
  it('types handlers, latest messages and the socket from a type argument', () => {
    const { useSocketMessage, useLatestMessage, useSocketInstance } =
      createSocketHooks<typeof schemas>();
    useSocketMessage('chat', ({ data }) =>
      expectTypeOf(data).toEqualTypeOf<{ user: string; text: string }>(),
    );
    useSocketMessage('count', ({ data }) => expectTypeOf(data).toEqualTypeOf<number>());
    useSocketMessage('other', ({ data }) => expectTypeOf(data).toBeUnknown());
    useSocketMessage('*', (envelope) => expectTypeOf(envelope).toEqualTypeOf<Envelope>());
    expectTypeOf(useLatestMessage('count')).toEqualTypeOf<Envelope<'count', number> | undefined>();
    useSocketInstance().on('count', ({ data }) => expectTypeOf(data).toEqualTypeOf<number>());
  });

  it('types send and request by the schema inputs, from a schemas value', () => {
    const hooks = createSocketHooks(schemas);
    const { send, socket } = hooks.useSocket();
    send('count', 'abc');
    // @ts-expect-error: count is sent as the string its schema parses
    send('count', 3);
    send('chat', { user: 'me', text: 'hi' });
    // @ts-expect-error: user must be a string
    send('chat', { user: 1, text: 'hi' });
    void request(socket, 'count', 'abc');
    // @ts-expect-error: count is requested with the string its schema parses
    void request(socket, 'count', 3);
    hooks.useSocket(undefined, { enabled: false });
  });

  it('the other hooks accept the provider, a typed socket or options', () => {
    const { useSocketState, useSocketErrors, useRetryCountdown, useErrorToasts } =
      createSocketHooks<typeof schemas>();
    expectTypeOf(useSocketState((s) => s.status)).toEqualTypeOf<
      'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed'
    >();
    expectTypeOf(useSocketErrors((s) => s.history.length)).toEqualTypeOf<number>();
    expectTypeOf(useRetryCountdown().seconds).toEqualTypeOf<number | null>();
    expectTypeOf(
      useErrorToasts({ url: 'wss://x', schemas: validate(schemas) }).dismissAll,
    ).toEqualTypeOf<() => void>();
  });

  it('without schemas the hooks stay open (unknown data)', () => {
    const { useSocketMessage } = createSocketHooks();
    useSocketMessage('chat', ({ data }) => expectTypeOf(data).toBeUnknown());
  });
});

describe('useSocket options', () => {
  it('takes schema inputs for send when the options carry schemas', () => {
    const { send, socket } = useSocket({ url: 'wss://x', schemas: validate(schemas) });
    send('count', 'abc');
    // @ts-expect-error: count is sent as a string
    send('count', 3);
    socket.on('count', ({ data }) => expectTypeOf(data).toEqualTypeOf<number>());
  });

  it('accepts enabled in the options and as a second argument, and a URL object', () => {
    useSocket({ url: new URL('wss://x'), enabled: false });
    const typed = {} as Socket<{ chat: { text: string } }>;
    useSocket(typed, { enabled: true }).send('chat', { text: 'hi' });
    useSocket(undefined, { enabled: false });
    // @ts-expect-error: enabled is a boolean
    useSocket({ url: 'wss://x', enabled: 'no' });
  });
});
