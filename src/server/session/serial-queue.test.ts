// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

describe('SerialQueue', () => {
  it('starts a task only after the previous one settled, even when it fails', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let release = (): void => {};
    const first = queue.run(
      () =>
        new Promise<void>((resolve) => {
          log.push('first starts');
          release = resolve;
        }),
    );
    const second = queue.run(() => {
      log.push('second');
      throw new Error('boom');
    });
    const third = queue.run(() => log.push('third'));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['first starts']);
    release();
    await first;
    await expect(second).rejects.toThrow('boom');
    await third;
    expect(log).toEqual(['first starts', 'second', 'third']);
  });
});
