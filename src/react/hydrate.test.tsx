import { act, cleanup } from '@testing-library/react';
import { StrictMode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EveryHook } from '../../test/support/every-hook.js';
import { createTestRegistry } from '../../test/support/test-registry.js';
import { SocketProvider } from './context.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const fakeRegistry = () => createTestRegistry();

describe('hydration', () => {
  it('hydrates the server HTML without a warning, then connects once', async () => {
    const app = (registry: ReturnType<typeof fakeRegistry>['registry']) => (
      <StrictMode>
        <SocketProvider options={{ url: 'ws://hydrate' }} registry={registry}>
          <EveryHook />
        </SocketProvider>
      </StrictMode>
    );
    const server = fakeRegistry();
    const container = document.createElement('div');
    container.innerHTML = renderToString(app(server.registry));
    document.body.append(container);
    expect(server.made.map((s) => s.calls.connect)).toEqual([0]);

    const errors = vi.spyOn(console, 'error');
    const client = fakeRegistry();
    let root: ReturnType<typeof hydrateRoot> | undefined;
    await act(async () => {
      root = hydrateRoot(container, app(client.registry));
    });
    expect(errors).not.toHaveBeenCalled();
    expect(client.made.map((s) => s.calls.connect)).toEqual([1]);
    expect(container.textContent).toContain('connecting/connecting/');
    act(() => root?.unmount());
    container.remove();
  });
});
