/**
 * The part of a Redis client the store uses, as structural types: a node-redis (`redis` 5 or 6)
 * client fits as it is, and nothing here imports it, so `sockguard/server` users without Redis
 * install nothing. Also the script runner, every command bounded by a timeout so a Redis that
 * hangs never holds a welcome or a send for long.
 */
import { startTimer, stopTimer } from '../session/context.js';
import type { Script } from './scripts.js';

/** The commands connection: node-redis's `createClient()`. */
export interface RedisCommandClient {
  /** node-redis `sendCommand(args, { timeout })`: resolves with the reply, rejects with Redis's error. */
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
}

/** A channel message listener, as node-redis calls it. */
export type RedisMessageListener = (message: string, channel: string) => void;

/** A connection in subscriber mode: node-redis's `client.duplicate()`, connected. */
export interface RedisSubscriberClient {
  /** True while connected and ready for commands. */
  readonly isReady: boolean;
  subscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  unsubscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  /**
   * `ready` after every (re)connection, `reconnecting` when the link dropped, `error` for
   * connection errors (node-redis throws an `error` nobody listens to).
   */
  on(event: 'ready' | 'reconnecting' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A subscriber the store makes itself from the commands client (and closes in `close()`). */
export interface RedisOwnedSubscriber extends RedisSubscriberClient {
  connect(): Promise<unknown>;
  destroy(): void;
}

/** A commands client that can also make its subscriber. */
export interface RedisDuplicableClient extends RedisCommandClient {
  duplicate(): RedisOwnedSubscriber;
}

/** A command that did not answer within the store's `commandTimeoutMs`. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
  /** The command may still have run (see `isUncertain`). */
  readonly uncertain = true;
}

/** `promise`, or a rejection with {@link RedisTimeoutError} after `ms` (the timer never keeps the process alive). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = startTimer(
      () => reject(new RedisTimeoutError(`${what}: no answer from Redis within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        stopTimer(timer);
        resolve(value);
      },
      (error: unknown) => {
        stopTimer(timer);
        reject(error);
      },
    );
  });
}

const isNoScript = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * Runs Lua scripts on one client, each command bounded by `timeoutMs`. A script is loaded once
 * (SCRIPT LOAD gives its SHA1, so no hashing here) and run by EVALSHA; a Redis that forgot it (a
 * restart) answers NOSCRIPT, and the script is loaded again.
 */
export function scriptRunner(client: RedisCommandClient, timeoutMs: number) {
  const send = (args: string[], what: string) =>
    withTimeout(client.sendCommand(args, { timeout: timeoutMs }), timeoutMs, what);
  const shas = new Map<Script, Promise<string>>();
  const load = (script: Script): Promise<string> => {
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = send(['SCRIPT', 'LOAD', script.body], script.name).then(String);
      shas.set(script, sha);
      const loading = sha;
      sha.catch(() => {
        if (shas.get(script) === loading) shas.delete(script);
      });
    }
    return sha;
  };
  return async (script: Script, keys: readonly string[], args: readonly string[]) => {
    const tail = [String(keys.length), ...keys, ...args];
    const sha = await load(script);
    try {
      return await send(['EVALSHA', sha, ...tail], script.name);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      if (shas.get(script) !== undefined && (await shas.get(script)) === sha) shas.delete(script);
      return await send(['EVALSHA', await load(script), ...tail], script.name);
    }
  };
}
