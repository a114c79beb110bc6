import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Envelope } from '../core/types.js';
import { validate } from '../validate/validate.js';
import { useLatestMessage } from './use-latest-message.js';
import { useSocket } from './use-socket.js';
import { useSocketMessage } from './use-socket-message.js';

const schemas = {
  chat: z.object({ user: z.string(), text: z.string() }),
  count: z.string().transform((s) => s.length),
};
const options = { url: 'wss://chat.example.com/ws', schemas: validate(schemas) };

describe('message types flow from the schemas in options into the hooks', () => {
  it('types handler data by the schema output, and unknown for other types', () => {
    useSocketMessage(
      'chat',
      ({ data }) => expectTypeOf(data).toEqualTypeOf<{ user: string; text: string }>(),
      options,
    );
    useSocketMessage('count', ({ data }) => expectTypeOf(data).toEqualTypeOf<number>(), options);
    useSocketMessage('other', ({ data }) => expectTypeOf(data).toBeUnknown(), options);
  });

  it('checks send data against the schema given in options', () => {
    const { send } = useSocket(options);
    send('chat', { user: 'me', text: 'hi' });
    // @ts-expect-error: user must be a string
    send('chat', { user: 1, text: 'hi' });
    send('anything', 42);
  });

  it('types the latest message from options', () => {
    expectTypeOf(useLatestMessage('chat', options)).toEqualTypeOf<
      Envelope<'chat', { user: string; text: string }> | undefined
    >();
  });

  it('options without schemas leave data unknown', () => {
    useSocketMessage('chat', ({ data }) => expectTypeOf(data).toBeUnknown(), { url: 'wss://x' });
  });
});
