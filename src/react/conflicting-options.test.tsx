import { cleanup, render } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { scopeOf } from '../../test/support/scope.js';
import { createTestRegistry } from '../../test/support/test-registry.js';
import type { ReactSocketOptions } from './default-registry.js';
import { useSocket } from './use-socket.js';

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Options written inline, as apps do: new objects and arrow functions on every render. */
function User({ maxQueue, url = 'ws://a/ws' }: { maxQueue: number; url?: string }) {
  const options: ReactSocketOptions = {
    url,
    maxQueue,
    heartbeat: { intervalMs: 1000, timeoutMs: 500 },
    refreshAuth: async () => {},
    protocols: ['v1'],
  };
  return <span>{useSocket(options).status}</span>;
}

function Pair() {
  useSocket({ url: 'ws://a/ws?token=secret-1', enabled: true });
  useSocket({ url: 'ws://a/ws?token=secret-1', enabled: false });
  useSocket({ url: 'ws://a/ws?token=secret-1', maxQueue: 3 });
  return null;
}
function ByUrl() {
  useSocket({ url: new URL('ws://a/ws?room=1') });
  useSocket({ url: new URL('ws://a/ws?room=1') });
  useSocket({ url: 'ws://a/ws?room=1' });
  return null;
}

describe('two components asking for one key with different options', () => {
  it('warns once, naming the key and only the options that differ; the first options win', () => {
    const { registry, made } = createTestRegistry();
    const app = (n: number) => (
      <>
        <User maxQueue={5} />
        <User maxQueue={10 + n} />
      </>
    );
    const view = render(app(0), { wrapper: scopeOf(registry) });
    expect(made).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
    const text = String(warn.mock.calls[0]?.[0]);
    expect(text).toContain('"ws://a/ws"');
    expect(text).toContain('(maxQueue)');
    expect(text).toMatch(/first options win/);
    for (let n = 1; n < 5; n++) view.rerender(app(n));
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('never warns for equal options written inline, however often they re-render', () => {
    const { registry } = createTestRegistry();
    const app = (
      <>
        <User maxQueue={5} />
        <User maxQueue={5} />
      </>
    );
    const view = render(app, { wrapper: scopeOf(registry) });
    for (let n = 0; n < 5; n++) view.rerender(app);
    expect(warn).not.toHaveBeenCalled();
  });

  it('ignores enabled and key, and never prints a token in the key', () => {
    const { registry } = createTestRegistry();
    render(<Pair />, { wrapper: scopeOf(registry) });
    expect(warn).toHaveBeenCalledTimes(1);
    const text = String(warn.mock.calls[0]?.[0]);
    expect(text).toContain('(maxQueue)');
    expect(text).not.toContain('secret-1');
  });

  it('is silent in production', () => {
    vi.stubEnv('NODE_ENV', 'production');
    const { registry } = createTestRegistry();
    render(
      <>
        <User maxQueue={5} />
        <User maxQueue={6} />
      </>,
      { wrapper: scopeOf(registry) },
    );
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('url: URL in React options', () => {
  it('is keyed by its href: a URL object and its string share one socket, without a warning', () => {
    const { registry, made } = createTestRegistry();
    render(<ByUrl />, { wrapper: scopeOf(registry) });
    expect(made).toHaveLength(1);
    expect(made[0]?.calls.connect).toBe(1);
    expect(warn).not.toHaveBeenCalled();
  });
});
