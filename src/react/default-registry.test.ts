import { describe, expect, it } from 'vitest';
import { keyOfOptions } from './default-registry.js';

describe('keyOfOptions', () => {
  it('keys a string URL by itself, a URL object by its href, and prefers an explicit key', () => {
    expect(keyOfOptions({ url: 'ws://a/x' })).toBe('ws://a/x');
    expect(keyOfOptions({ url: new URL('ws://a/x?t=1') })).toBe('ws://a/x?t=1');
    expect(keyOfOptions({ url: () => 'ws://a', key: 'chat' })).toBe('chat');
    expect(() => keyOfOptions({ url: () => 'ws://a' })).toThrow(/needs a `key`/);
  });
});
