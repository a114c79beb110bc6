// @vitest-environment node
/** The error store's expiry timer never keeps a Node process alive by itself. */
import { describe, expect, it } from 'vitest';
import { fault } from '../../../test/support/error-store-fixtures.js';
import { createErrorStore } from './error-store.js';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('error store expiry in Node', () => {
  it('a recoverable toast arms an expiry timer that does not hold the event loop', () => {
    const before = timers();
    const store = createErrorStore({ recoverableTtlMs: 60_000 });
    store.getState().report(fault());
    expect(store.getState().toasts).toHaveLength(1);
    expect(timers()).toBe(before);
    store.getState().clear();
  });
});
