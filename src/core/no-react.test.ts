import { describe, expect, it, vi } from 'vitest';

// The core entry must work with React absent: importing it may not touch React at all.
vi.mock('react', () => {
  throw new Error('the core imported react');
});

describe('the core entry', () => {
  it('imports and creates a socket with React mocked away and no browser global read', async () => {
    const core = await import('../index.js');
    const socket = core.createSocket({
      url: 'wss://x.test',
      autoConnect: false,
      environment: false,
    });
    expect(socket.getSnapshot().status).toBe('idle');
    expect(typeof core.createErrorStore).toBe('function');
  });
});
