// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EveryHook } from '../../test/support/every-hook.js';
import { createTestRegistry } from '../../test/support/test-registry.js';
import { SocketProvider } from './context.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('server rendering', () => {
  it('runs without window and renders every hook in the idle state, connecting nothing', () => {
    expect(typeof window).toBe('undefined');
    const { registry, made } = createTestRegistry();
    const html = renderToString(
      <SocketProvider options={{ url: 'ws://server' }} registry={registry}>
        <EveryHook />
      </SocketProvider>,
    );
    expect(html).toContain('idle/idle/none/0/0/');
    expect(html).toContain('no-retry');
    expect(made.map((s) => s.calls.connect)).toEqual([0]);
  });

  it('imports the entry and renders with the real core without constructing a WebSocket', async () => {
    const WebSocket = vi.fn(() => {
      throw new Error('a WebSocket was constructed on the server');
    });
    vi.stubGlobal('WebSocket', WebSocket);
    const { SocketProvider: Provider } = await import('./index.js');
    const html = renderToString(
      <Provider options={{ url: 'ws://127.0.0.1:1/ssr' }}>
        <EveryHook />
      </Provider>,
    );
    expect(html).toContain('idle/idle/none/0/0/');
    expect(WebSocket).not.toHaveBeenCalled();
  });
});

describe('the default registry on a server', () => {
  it('keeps no socket across renders (one per URL, tokens included, would live as long as the process)', async () => {
    const { getDefaultRegistry } = await import('./default-registry.js');
    const options = { url: 'ws://server/ws?token=user-1', environment: false as const };
    const first = getDefaultRegistry().resolve(options);
    const second = getDefaultRegistry().resolve(options);
    expect(second).not.toBe(first);
    expect(first.getSnapshot().status).toBe('idle');
  });
});
