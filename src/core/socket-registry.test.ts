import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestRegistry } from '../../test/support/test-registry.js';
import { createTestSocket } from '../../test/support/test-socket.js';
import { createErrorStore } from './error-store/error-store.js';

const setup = createTestRegistry;

describe('createSocketRegistry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves the same options key to one socket, made unconnected', () => {
    const { registry, made } = setup();
    const a = registry.resolve({ url: 'ws://a' });
    expect(registry.resolve({ url: 'ws://a' })).toBe(a);
    expect(registry.resolve({ url: 'ws://b' })).not.toBe(a);
    expect(made).toHaveLength(2);
    expect(made.map((s) => s.calls.connect)).toEqual([0, 0]);
  });

  it('connects on the first retain only and closes after the default 1000 ms grace', () => {
    const { registry, made } = setup();
    const socket = registry.resolve({ url: 'ws://a' });
    const releaseA = registry.retain(socket);
    const releaseB = registry.retain(socket);
    expect(made[0]?.calls.connect).toBe(1);
    releaseA();
    releaseB();
    releaseB(); // a second release of the same retain is ignored
    vi.advanceTimersByTime(999);
    expect(made[0]?.calls.close).toBe(0);
    vi.advanceTimersByTime(1);
    expect(made[0]?.calls.close).toBe(1);
    // Closed and forgotten: the next resolve makes a fresh socket.
    expect(registry.resolve({ url: 'ws://a' })).not.toBe(socket);
  });

  it('keeps the socket when a user comes back within the grace period (StrictMode remount)', () => {
    const { registry, made } = setup(50);
    const socket = registry.resolve({ url: 'ws://a' });
    registry.retain(socket)();
    vi.advanceTimersByTime(49);
    const release = registry.retain(socket);
    vi.advanceTimersByTime(1000);
    expect(made[0]?.calls).toMatchObject({ connect: 1, close: 0 });
    release();
    vi.advanceTimersByTime(50);
    expect(made[0]?.calls.close).toBe(1);
  });

  it('reconnects a socket it closed when a kept reference retains it again', () => {
    const { registry, made } = setup(10);
    const socket = registry.resolve({ url: 'ws://a' });
    registry.retain(socket)();
    vi.advanceTimersByTime(10);
    registry.retain(socket);
    expect(made[0]?.calls).toMatchObject({ connect: 2, close: 1 });
    expect(registry.resolve({ url: 'ws://a' })).toBe(socket);
  });

  it('never connects or closes a socket it did not make', () => {
    const { registry } = setup(10);
    const own = createTestSocket(createErrorStore());
    registry.retain(own)();
    vi.advanceTimersByTime(100);
    expect(own.calls).toMatchObject({ connect: 0, close: 0 });
  });
});

describe('the conflicting-options warning of createSocketRegistry', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const conflict = () => {
    const { registry } = setup();
    registry.resolve({ url: 'ws://a', maxQueue: 1 });
    registry.resolve({ url: 'ws://a', maxQueue: 2 });
  };

  it('is silent when NODE_ENV is production', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubEnv('NODE_ENV', 'production');
    conflict();
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns once without `process` (a browser without a bundler counts as development)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const saved = globalThis.process;
    try {
      Reflect.set(globalThis, 'process', undefined);
      conflict();
    } finally {
      Reflect.set(globalThis, 'process', saved);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('(maxQueue)');
  });
});
