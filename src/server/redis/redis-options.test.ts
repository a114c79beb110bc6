// @vitest-environment node
// createRedisHistory's construction checks, and its refusal to build keys from unsafe ids: no Redis
// needed (a client that records the commands it would send).
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../session/identity.js';
import type { RedisSubscriberClient } from './client.js';
import { createRedisHistory } from './redis-history.js';

function recorder() {
  const commands: string[][] = [];
  const client = {
    sendCommand: async (args: string[]) => {
      commands.push(args);
      return args[0] === 'SCRIPT' ? 'sha' : 0;
    },
  };
  const subscriber: RedisSubscriberClient = {
    isReady: true,
    subscribe: async () => {},
    unsubscribe: async () => {},
    on: () => undefined,
  };
  return { client, subscriber, commands };
}

describe('createRedisHistory', () => {
  it('prefix with braces is refused at construction, naming the option (it would move the hash tag)', () => {
    const { client, subscriber } = recorder();
    for (const prefix of ['tenant{a}:', 'a{', '}b', '{']) {
      expect(() => createRedisHistory({ client, subscriber, prefix })).toThrow(
        `createRedisHistory: prefix must not contain { or } (the session id's hash tag follows it); got ${JSON.stringify(prefix)}`,
      );
    }
    expect(() => createRedisHistory({ client, subscriber, prefix: 'tenant-a:' })).not.toThrow();
  });

  it('never builds a key from a session id outside the safe alphabet', async () => {
    const { client, subscriber, commands } = recorder();
    const store = createRedisHistory({ client, subscriber, prefix: 't:' });
    const binding = { principal: 'alice', secretHash: hashSecret('s') };
    for (const id of ['x}:{y', 'a b', 'x'.repeat(129), '']) {
      expect(await store.open(id, 0, 'o', binding)).toBeUndefined();
      await expect(store.append(id, (seq) => `{"meta":{"seq":${seq}}}`)).rejects.toThrow(
        'unknown session',
      );
      await store.setAcked(id, 1);
      await store.expire(id, 1, 'o');
      await expect(store.create(id, 'o', binding)).rejects.toThrow(TypeError);
      (await store.subscribe(id, () => {}))();
    }
    expect(commands).toEqual([]);
    await store.close();
  });
});
