/**
 * The Redis integration suites: a real redis-server, and node-redis clients made the way
 * docs/server.md recommends. Without redis-server a suite is skipped with a clear message on a
 * developer's machine, and fails in CI (`CI=true`), where .ci/run installs it.
 */
import { createClient, type RedisClientType } from 'redis';
import { describe, it } from 'vitest';
import { redisMissing } from './redis-server.js';

/** `describe` for a suite that needs redis-server. */
export function describeRedis(name: string, body: () => void): void {
  const missing = redisMissing();
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has redis-server (CI must run the Redis tests)', () => {
        throw new Error(`${missing}: .ci/run installs it; the Redis tests do not skip in CI`);
      });
    });
  } else {
    console.warn(`\n[sockguard] SKIPPED "${name}": ${missing}\n`);
    describe.skip(name, body);
  }
}

/**
 * A connected node-redis client: fails fast while Redis is down, reconnects by itself (after
 * `reconnectMs` each time when given: a test sets which connection comes back first).
 */
export async function redisClient(url: string, reconnectMs?: number): Promise<RedisClientType> {
  const client: RedisClientType = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries) => reconnectMs ?? Math.min(20 * 2 ** retries, 300),
    },
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}
