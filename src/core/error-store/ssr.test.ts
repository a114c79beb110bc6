// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { fatalFault, fault } from '../../../test/support/error-store-fixtures.js';

vi.mock('react', () => {
  throw new Error('react imported');
});

describe('error store on a server', () => {
  it('imports and works without window, document or React', async () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const { createErrorStore, selectAuthFault } = await import('./error-store.js');
    const store = createErrorStore({ recoverableTtlMs: null });
    store.getState().report(fault());
    const auth = store.getState().report(fatalFault());
    expect(selectAuthFault(store.getState())).toBe(auth);
  });
});
