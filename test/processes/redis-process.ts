/**
 * The real `redis-server` of the multi-instance run, with the faults the scenarios need: frozen
 * (SIGSTOP, then SIGCONT: connections stay up, nothing answers), and restarted empty (SIGKILL,
 * then started again on the same port with nothing kept, as a Redis without persistence comes
 * back). Configured as docs/server.md recommends: no persistence, `noeviction`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { findRedisServer, freePort, redisMissing } from '../support/redis-server.js';
import { exited, killTree, track } from './children.js';
import { waitForPort } from './ports.js';
import { now } from './shared.js';

export interface RedisProcess {
  readonly url: string;
  /** SIGSTOP: the process is frozen; returns when it was sent ({@link now}). */
  freeze(): number;
  /** SIGCONT; returns when it was sent. */
  thaw(): number;
  /**
   * SIGKILL, `downMs` later started again on the same port with an empty dataset; resolves with
   * the time it accepted connections again.
   */
  restartEmpty(downMs: number): Promise<{ killedAt: number; upAt: number }>;
  close(): Promise<void>;
}

export async function startRedis(dir: string): Promise<RedisProcess> {
  const binary = findRedisServer();
  if (binary === undefined) throw new Error(redisMissing());
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    // Empty, whatever an earlier run left.
    rmSync(path.join(dir, 'redis.rdb'), { force: true });
    const started = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--dbfilename',
        'redis.rdb',
        '--pidfile',
        path.join(dir, 'redis.pid'),
        '--daemonize',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--loglevel',
        'warning',
        '--logfile',
        path.join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    track(started);
    child = started;
    await waitForPort('redis-server', port, 10_000, () =>
      started.exitCode === null ? undefined : `exited with ${started.exitCode}`,
    );
  };

  const signal = (name: NodeJS.Signals): number => {
    if (child?.pid === undefined) throw new Error('redis-server is not running');
    process.kill(child.pid, name);
    return now();
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    async restartEmpty(downMs) {
      const old = child;
      if (old === undefined) throw new Error('redis-server is not running');
      const killedAt = now();
      killTree(old);
      await exited(old);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
      return { killedAt, upAt: now() };
    },
    async close() {
      if (child !== undefined) {
        killTree(child);
        await exited(child);
      }
    },
  };
}
