/**
 * The test's side of an instance process (instance.ts): fork it with tsx, wait until it listens,
 * send it pushes, ask which sessions it holds, stop it as a deploy does (drain, exit 0) or
 * SIGKILL it, and keep the memory it reports. Every incarnation writes its own book file.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited, killTree, track } from './children.js';
import { type Command, type InstanceConfig, now, type PushOrder, type Report } from './shared.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('./instance.ts', import.meta.url));

/** Memory an incarnation reported: its last and its peak. */
export interface MemoryFigures {
  readonly incarnation: string;
  heapUsedMb: number;
  peakHeapUsedMb: number;
  rssMb: number;
  peakRssMb: number;
  sessions: number;
}

export interface InstanceProcess {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Its book file's name (one per incarnation). */
  readonly book: string;
  /** True until it was told to stop or killed. */
  readonly up: boolean;
  /** How it died when nobody stopped or killed it (a crash), or undefined. */
  readonly crash: string | undefined;
  push(orders: readonly PushOrder[]): void;
  bounce(sessions: readonly string[]): void;
  /** The sessions with a connection attached there now. */
  held(): Promise<readonly string[]>;
  /**
   * Stops as a deploy does; resolves when the process exited, with drain's `complete`, when it
   * was told to stop and when it was gone.
   */
  stop(): Promise<{ complete: boolean; stoppedAt: number; exitedAt: number }>;
  /** SIGKILL; resolves when it is gone, with the time the signal was sent. */
  kill(): Promise<number>;
  readonly memory: MemoryFigures;
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

export async function startInstanceProcess(
  config: Omit<InstanceConfig, 'book'>,
  dir: string,
  incarnation: number,
): Promise<InstanceProcess> {
  const name = `${config.name}#${incarnation}`;
  const book = path.join(dir, `book-${config.name}-${incarnation}.jsonl`);
  const child: ChildProcess = fork(entry, [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SOCKGUARD_INSTANCE: JSON.stringify({ ...config, book }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
  let up = true;
  let crash: string | undefined;
  let stopped: ((complete: boolean) => void) | undefined;
  const heldWaiters: Array<(sessions: readonly string[]) => void> = [];
  const memory: MemoryFigures = {
    incarnation: name,
    heapUsedMb: 0,
    peakHeapUsedMb: 0,
    rssMb: 0,
    peakRssMb: 0,
    sessions: 0,
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it listened`)));
    child.on('message', (report: Report) => {
      switch (report.type) {
        case 'ready':
          clearTimeout(timer);
          resolve(report.port);
          break;
        case 'memory':
          memory.heapUsedMb = mb(report.heapUsed);
          memory.rssMb = mb(report.rss);
          memory.peakHeapUsedMb = Math.max(memory.peakHeapUsedMb, memory.heapUsedMb);
          memory.peakRssMb = Math.max(memory.peakRssMb, memory.rssMb);
          memory.sessions = report.sessions;
          break;
        case 'held':
          heldWaiters.shift()?.(report.sessions);
          break;
        case 'stopped':
          stopped?.(report.complete);
          break;
      }
    });
  });
  const pid = child.pid as number;
  child.once('exit', (code, signal) => {
    if (up) crash = `${name} exited by itself (code ${code}, signal ${signal})`;
    up = false;
    // Nobody will answer now.
    for (const waiter of heldWaiters.splice(0)) waiter([]);
    stopped?.(false);
  });
  const command = (message: Command) => {
    if (up && child.connected) child.send(message);
  };

  return {
    name,
    port,
    pid,
    book: path.basename(book),
    get up() {
      return up;
    },
    get crash() {
      return crash;
    },
    push: (orders) => command({ type: 'push', orders }),
    bounce: (sessions) => command({ type: 'bounce', sessions }),
    held() {
      if (!up) return Promise.resolve([]);
      return new Promise((resolve) => {
        heldWaiters.push(resolve);
        command({ type: 'held' });
      });
    },
    async stop() {
      const stoppedAt = now();
      const complete = new Promise<boolean>((resolve) => {
        stopped = resolve;
      });
      if (!up) stopped?.(false);
      command({ type: 'stop' });
      up = false;
      const timer = setTimeout(() => killTree(child), 15_000);
      const result = await complete;
      await exited(child);
      clearTimeout(timer);
      return { complete: result, stoppedAt, exitedAt: now() };
    },
    async kill() {
      up = false;
      const killedAt = now();
      killTree(child);
      await exited(child);
      return killedAt;
    },
    memory,
  };
}
