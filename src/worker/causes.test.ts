/** The worker's causes are `why()` codes: prose in development, the code and figures in production. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, flush, WORLD_URL, world } from '../../test/support/worker-kit.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/** The causes in a tab's store after its worker goes silent and another tab is refused. */
async function causes(): Promise<string[]> {
  const w = world();
  const tab = w.tab({}, { workerTimeoutMs: 12_000 });
  const refused = w.tab({ url: WORLD_URL, maxQueue: 7 });
  await flush();
  tab.port.freeze();
  await advance(20_000);
  return [tab, refused].map((t) => String(t.socket.errors.getState().history[0]?.detail.cause));
}

describe('worker causes', () => {
  it('are prose in development', async () => {
    expect(await causes()).toEqual([
      'the shared worker did not answer for 12000 ms',
      `the shared socket "${WORLD_URL}" runs with other maxQueue (options must agree across tabs)`,
    ]);
  });

  it('are the code and its figures in production', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(await causes()).toEqual(['worker_silent 12000', `worker_options ${WORLD_URL} maxQueue`]);
  });
});
