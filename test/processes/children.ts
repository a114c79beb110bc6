/**
 * Every process this test starts is registered here, and only those are ever signalled. When the
 * test process exits (a failed assertion, a timeout) the survivors and their own children (nginx's
 * workers) are killed; and a small guardian process, told every PID, kills them too when the
 * test process dies without running its exit hooks (SIGKILL by the runner): nothing is left
 * behind either way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const started = new Set<ChildProcess>();

/** Runs in the guardian: kills the registered PIDs and their children once the test is gone. */
const GUARDIAN = `
const fs = require('node:fs');
const pids = new Set();
const childrenOf = (pid) => {
  try {
    return fs.readdirSync('/proc/' + pid + '/task').flatMap((task) =>
      fs.readFileSync('/proc/' + pid + '/task/' + task + '/children', 'utf8').split(' ').filter((p) => p.trim() !== '').map(Number));
  } catch { return []; }
};
const kill = (pid) => { try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGKILL'); } catch {} };
process.on('message', (m) => { if (m.add) pids.add(m.add); if (m.remove) pids.delete(m.remove); });
process.on('disconnect', () => {
  for (const pid of pids) { const below = childrenOf(pid); kill(pid); below.forEach(kill); }
  process.exit(0);
});
`;

let guardian: ChildProcess | undefined;

function guard(message: { add: number } | { remove: number }): void {
  if (guardian === undefined) {
    guardian = spawn(process.execPath, ['-e', GUARDIAN], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // It must not keep the test process alive: it lives exactly as long as the IPC channel.
    guardian.unref();
    guardian.channel?.unref();
  }
  if (guardian.connected) guardian.send(message);
}

/** The children of `pid` (Linux /proc), for nginx's workers; empty when it cannot tell. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter((part) => part.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
};

/** Kills a process this test started, and its children, at once (SIGCONT first: it may be stopped). */
export function killTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const descendants = childrenOf(pid);
  signal(pid, 'SIGCONT');
  signal(pid, 'SIGKILL');
  for (const descendant of descendants) signal(descendant, 'SIGKILL');
}

let hooked = false;

/** Registers a child: it is killed if it is still running when this process exits. */
export function track(child: ChildProcess): ChildProcess {
  started.add(child);
  const pid = child.pid;
  if (pid !== undefined) guard({ add: pid });
  child.once('exit', () => {
    started.delete(child);
    if (pid !== undefined) guard({ remove: pid });
  });
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const survivor of started) killTree(survivor);
    });
  }
  return child;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `name` and waits for the exit; SIGKILL (with its children) after `ms`. */
export async function stopChild(
  child: ChildProcess,
  name: NodeJS.Signals,
  ms = 5000,
): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  signal(child.pid, name);
  const timer = setTimeout(() => killTree(child), ms);
  await done;
  clearTimeout(timer);
}

/** Processes started here and still running. */
export const running = (): number => started.size;
