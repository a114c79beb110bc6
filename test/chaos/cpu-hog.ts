/**
 * Both cores kept busy, as a shared CI machine is: child processes that spin until stopped. Timing
 * claims must hold under it, since they read the times the library recorded, never a listener's
 * late clock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuHog {
  /** How many spinning processes run. */
  readonly spinners: number;
  stop(): void;
}

/** Starts one spinning process per core (or `count`); `stop` kills them (also on exit). */
export function startCpuHog(count = availableParallelism()): CpuHog {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    children.push(
      spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: false }),
    );
  }
  const stop = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  return { spinners: children.length, stop };
}
