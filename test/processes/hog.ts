/**
 * A CPU hog: one spinning process per core (2 in CI), so everything else (instances, proxy,
 * Redis, clients) runs on a busy machine. Each spinner also exits by itself when the test process
 * is gone (its parent changed), besides being killed at the end and by the guardian.
 */
import { spawn } from 'node:child_process';
import { stopChild, track } from './children.js';

const SPIN = `
const parent = process.ppid;
for (let i = 0; ; i++) {
  if ((i & 0xffffff) === 0 && process.ppid !== parent) process.exit(0);
}
`;

export interface Hog {
  readonly spinners: number;
  stop(): Promise<void>;
}

export function startHog(spinners: number): Hog {
  const children = Array.from({ length: spinners }, () =>
    track(spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' })),
  );
  return {
    spinners,
    stop: async () => {
      await Promise.all(children.map((child) => stopChild(child, 'SIGKILL')));
    },
  };
}
