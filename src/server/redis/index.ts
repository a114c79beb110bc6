/** The Redis history store of `sockguard/server` (no import of a Redis client: pass yours in). */
export type {
  RedisCommandClient,
  RedisDuplicableClient,
  RedisMessageListener,
  RedisOwnedSubscriber,
  RedisSubscriberClient,
} from './client.js';
export { RedisTimeoutError } from './client.js';
export {
  createRedisHistory,
  type RedisHistory,
  type RedisHistoryOptions,
} from './redis-history.js';
