import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyOfOptions } from './default-registry.js';

describe('keyOfOptions', () => {
  it('keys a string URL by itself, a URL object by its href, and prefers an explicit key', () => {
    expect(keyOfOptions({ url: 'ws://a/x' })).toBe('ws://a/x');
    expect(keyOfOptions({ url: new URL('ws://a/x?t=1') })).toBe('ws://a/x?t=1');
    expect(keyOfOptions({ url: () => 'ws://a', key: 'chat' })).toBe('chat');
    expect(() => keyOfOptions({ url: () => 'ws://a' })).toThrow(/needs a `key`/);
  });

  afterEach(() => vi.unstubAllEnvs());

  it('in production, says E_NO_KEY', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => keyOfOptions({ url: () => 'ws://a' })).toThrow(new Error('sockguard: E_NO_KEY'));
  });
});
