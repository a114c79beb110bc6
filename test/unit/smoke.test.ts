import { describe, expect, it } from 'vitest';

describe('toolchain', () => {
  it('runs in happy-dom with a global WebSocket', () => {
    expect(typeof globalThis.WebSocket).toBe('function');
  });
});
