// Child processes for the examples driver: every wait is bounded and every process it starts is
// killed by its own process group id, so the run always ends by itself.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Servers started by {@link startProcess} and not yet stopped, so a failed run can end them. */
const live = new Set();
/** Commands of {@link runCommand} still running, so an interrupted run can end them. */
const running = new Set();

/** An error whose message is the one line the run ends with. */
export class StepError extends Error {}

/**
 * Runs a command to completion in `cwd`, streaming its output, killing it after `timeoutMs`.
 * Resolves with its stdout and stderr; rejects with a StepError naming the command.
 */
export function runCommand(command, args, { cwd, env = {}, timeoutMs, quiet = false }) {
  const line = `${command} ${args.join(' ')}`;
  console.log(`$ ${line}`);
  return new Promise((resolve, reject) => {
    // detached: its own process group, so a timeout kills what it started too (next, vite, npm).
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!quiet) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!quiet) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new StepError(`\`${line}\` timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new StepError(`\`${line}\` could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else {
        if (quiet) process.stdout.write(stdout + stderr);
        const error = new StepError(`\`${line}\` failed (exit ${code ?? signal})`);
        error.output = stdout + stderr;
        reject(error);
      }
    });
  });
}

/**
 * Starts a long-running process (a server). Its output is kept, and echoed with a prefix. Returns
 * the child, `output()` and `stop()`; {@link stopAll} ends any still running.
 */
export function startProcess(label, command, args, { cwd, env = {} }) {
  console.log(`$ ${command} ${args.join(' ')} &   (${label})`);
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const listeners = new Set();
  const onData = (chunk) => {
    const text = String(chunk);
    output += text;
    for (const row of text.split('\n')) if (row.trim()) console.log(`  [${label}] ${row}`);
    for (const listener of listeners) listener(output);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const handle = {
    child,
    output: () => output,
    /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (text) => {
          const match = pattern.exec(text);
          if (!match) return;
          done();
          resolve(match);
        };
        const onExit = (code) => {
          done();
          reject(new StepError(`${label} exited (code ${code}) before printing ${pattern}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new StepError(`${label} did not print ${pattern} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check(output);
      });
    },
    stop: () => stopProcess(handle),
  };
  live.add(handle);
  return handle;
}

/** SIGTERM to the process group, then SIGKILL if it is still there after `graceMs`. */
export function stopProcess(handle, graceMs = 3000) {
  live.delete(handle);
  const { child } = handle;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      resolve();
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      // The group may hold children that outlive their parent (next start's workers).
      killGroup(child, 'SIGKILL');
      resolve();
    });
    killGroup(child, 'SIGTERM');
  });
}

/** Stops every process this run started and has not stopped yet. */
export async function stopAll() {
  for (const child of running) killGroup(child);
  running.clear();
  await Promise.all([...live].map((handle) => stopProcess(handle)));
}

function killGroup(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * A port that was free a moment ago on 127.0.0.1, for servers that cannot listen on port 0 and
 * report it (next start). Another process could take it in between; on this CI machine none does.
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, for at most `timeoutMs`. */
export async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new StepError(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}
