/**
 * A real `redis-server` for integration tests: started on 127.0.0.1 on a free port, with no
 * persistence, its files in a temp dir; stopped (only the PID started here) at the end. `restart`
 * stops it and starts it again on the same port, as an operator's restart does (nothing kept).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where redis-server is, or undefined when it is not installed. `SOCKGUARD_REDIS_SERVER` names the
 * binary instead (a path that does not exist shows what a machine without it does).
 */
export function findRedisServer(): string | undefined {
  const named = process.env.SOCKGUARD_REDIS_SERVER;
  const candidates =
    named === undefined ? ['/usr/bin/redis-server', '/usr/local/bin/redis-server'] : [named];
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // Not there: try the next one, then PATH.
    }
  }
  if (named !== undefined) return undefined;
  try {
    const found = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
    return found.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Why the Redis tests cannot run, or undefined when they can (CI fails instead of skipping). */
export function redisMissing(): string | undefined {
  if (findRedisServer() !== undefined) return undefined;
  return 'redis-server is not installed (Debian: apt-get install -y redis-server)';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills it (SIGKILL: like a crash, nothing saved), waits `downMs`, starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  /** Kills it (it can be started again). */
  kill(): Promise<void>;
  /** Starts it again after `kill` (same port). */
  start(): Promise<void>;
  /** Kills it and removes its files. */
  close(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined) throw new Error(redisMissing());
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'sockguard-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
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
        '--pidfile',
        path.join(dir, 'redis.pid'),
        '--daemonize',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 5000);
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    kill: stop,
    async restart(downMs = 0) {
      await stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
