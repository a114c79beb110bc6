import { describe, expect, it, vi } from 'vitest';
import { fatalFault, fault, manualClock } from '../../../test/support/error-store-fixtures.js';
import {
  createErrorStore,
  ERROR_STORE_DEFAULTS,
  type ErrorStoreOptions,
  selectAuthFault,
  selectFatal,
  selectFaults,
  selectToasts,
} from './error-store.js';

// The core must not import React (zustand's own core tests do the same): any import of it fails.
vi.mock('react', () => {
  throw new Error('react imported');
});

function setup(options: ErrorStoreOptions = {}) {
  const clock = manualClock();
  const store = createErrorStore({ clock, ...options });
  return { clock, store, state: () => store.getState() };
}

describe('createErrorStore: framework-free', () => {
  it('loads and works with React mocked to throw on import', async () => {
    vi.resetModules();
    const fresh = await import('./error-store.js');
    const store = fresh.createErrorStore({ clock: manualClock() });
    expect(store.getState().report(fault()).count).toBe(1);
  });
});

describe('report: merging repeats', () => {
  it('merges repeats of an active fault within the window into one entry with a count', () => {
    const { clock, store, state } = setup();
    const first = fault();
    store.getState().report(first);
    clock.advance(1000);
    store.getState().report(fault());
    clock.advance(4999);
    const merged = store.getState().report(fault({ requestId: 'r3' }));
    expect(state().history).toEqual([merged]);
    expect(state().active).toEqual([merged]);
    expect(state().toasts).toEqual([{ ...merged, faults: [merged] }]);
    expect(merged).toMatchObject({ id: first.id, count: 3, requestId: 'r3' });
    expect(merged.firstAt).toBe(1_000_000);
    expect(merged.lastAt).toBe(1_005_999);
  });

  it('starts a new entry once the window since the last repeat has passed', () => {
    const { clock, store, state } = setup();
    store.getState().report(fault());
    clock.advance(5000);
    store.getState().report(fault());
    expect(state().active.map((t) => t.count)).toEqual([1, 1]);
  });

  it('never merges with a window of 0', () => {
    const { store, state } = setup({ dedupeWindowMs: 0 });
    store.getState().report(fault());
    store.getState().report(fault());
    expect(state().history).toHaveLength(2);
  });

  it('starts a new entry for a repeat of a dismissed fault', () => {
    const { store, state } = setup();
    const first = store.getState().report(fault());
    store.getState().dismiss(first.id);
    const again = store.getState().report(fault());
    expect(again.id).not.toBe(first.id);
    expect(again.count).toBe(1);
    expect(state().active).toEqual([again]);
    expect(state().history).toHaveLength(2);
  });

  it.each([
    ['source', { source: 'close' as const }],
    ['code', { code: 4002 }],
    ['severity', { severity: 'fatal' as const }],
    ['action', { action: 'backoff' as const }],
    ['message', { message: 'other text' }],
  ])('does not merge faults that differ in %s', (_field, change) => {
    const { store, state } = setup();
    store.getState().report(fault());
    store.getState().report({ ...fault(), ...change } as ReturnType<typeof fault>);
    expect(state().history).toHaveLength(2);
  });

  it('moves a merged repeat to the front', () => {
    const { store, state } = setup();
    const a = store.getState().report(fault());
    store.getState().report(fault({ code: 4002 }));
    store.getState().report(fault());
    expect(state().active.map((t) => t.id)).toEqual([a.id, expect.any(String)]);
    expect(state().history[0]?.count).toBe(2);
  });
});

describe('report: same id replaces the entry', () => {
  it('upgrades an envelope fault into the merged fatal fault in place, keeping its count', () => {
    const { clock, store, state } = setup();
    const envelope = fault({ code: 4002, message: 'room closed' });
    store.getState().report(envelope);
    store.getState().report({ ...envelope, id: 'other' }); // a repeat: count 2, first id kept
    store.getState().report(fault({ code: 4000 }));
    clock.advance(10);
    const merged = store.getState().report({
      ...envelope,
      kind: 'connection',
      severity: 'fatal',
      action: 'stop',
      detail: { closeCode: 4002, closeReason: 'room closed' },
    });
    expect(merged).toMatchObject({ id: envelope.id, count: 2, severity: 'fatal', expiresAt: null });
    expect(merged.lastAt).toBe(1_000_010);
    expect(state().history.map((f) => f.id)).toEqual([envelope.id, expect.any(String)]);
    expect(state().active[0]).toBe(merged);
    expect(state().fatal).toBe(merged);
  });

  it('makes a dismissed fault active again when its replacement is fatal', () => {
    const { store, state } = setup();
    const envelope = store.getState().report(fault());
    store.getState().dismiss(envelope.id);
    store.getState().report({ ...fault(), id: envelope.id, severity: 'fatal', action: 'stop' });
    expect(state().toasts.map((t) => t.id)).toEqual([envelope.id]);
    expect(state().fatal?.id).toBe(envelope.id);
  });

  it('keeps a dismissed fault dismissed when its replacement is still recoverable', () => {
    const { store, state } = setup();
    const envelope = store.getState().report(fault());
    store.getState().dismiss(envelope.id);
    const toasts = state().toasts;
    store.getState().report({ ...fault(), id: envelope.id, action: 'reconnect' });
    expect(state().history[0]?.action).toBe('reconnect');
    expect(state().toasts).toBe(toasts);
  });
});

describe('bound', () => {
  it('keeps at most 50 entries by default in history and toasts, dropping the oldest', () => {
    const { store, state } = setup();
    const ids = Array.from(
      { length: 60 },
      (_, i) => store.getState().report(fault({ code: i })).id,
    );
    const newest50 = ids.slice(10).reverse();
    expect(state().history.map((f) => f.id)).toEqual(newest50);
    expect(state().active.map((f) => f.id)).toEqual(newest50);
  });

  it('applies a custom maxHistory, counting dismissed entries in history', () => {
    const { store, state } = setup({ maxHistory: 3 });
    const [, b, c, d] = [1, 2, 3, 4].map((code) =>
      store.getState().report(fault({ code, message: `text ${code}` })),
    );
    store.getState().dismiss(b?.id ?? '');
    expect(state().history).toEqual([d, c, b]);
    expect(state().active).toEqual([d, c]);
  });
});

describe('dismiss', () => {
  it('dismiss removes one toast and keeps it in history', () => {
    const { store, state } = setup();
    const a = store.getState().report(fault({ code: 1, message: 'one' }));
    const b = store.getState().report(fault({ code: 2, message: 'two' }));
    store.getState().dismiss(a.id);
    expect(state().active).toEqual([b]);
    expect(state().toasts.map((t) => t.id)).toEqual([b.id]);
    expect(selectFaults(state())).toEqual([b, a]);
  });

  it('dismissAll removes every toast and keeps history', () => {
    const { store, state } = setup();
    store.getState().report(fault({ code: 1 }));
    store.getState().report(fatalFault());
    store.getState().dismissAll();
    expect(selectToasts(state())).toEqual([]);
    expect(selectFatal(state())).toBeNull();
    expect(state().history).toHaveLength(2);
  });

  it('does not notify subscribers when nothing changes (unknown id, empty toasts, empty clear)', () => {
    const { store } = setup();
    const listener = vi.fn();
    store.subscribe(listener);
    store.getState().dismiss('nope');
    store.getState().dismissAll();
    store.getState().clear();
    const a = store.getState().report(fault());
    store.getState().dismiss(a.id);
    store.getState().dismiss(a.id);
    store.getState().dismissAll();
    expect(listener).toHaveBeenCalledTimes(2);
  });
});

describe('fatal', () => {
  it('is the newest active fatal fault, then the next one after a dismiss, then null', () => {
    const { store, state } = setup();
    const older = store
      .getState()
      .report(fatalFault({ code: 4004, action: 'none', message: 'no' }));
    const newer = store.getState().report(fatalFault());
    store.getState().report(fault());
    expect(state().fatal).toBe(newer);
    store.getState().dismiss(newer.id);
    expect(state().fatal).toBe(older);
    store.getState().dismiss(older.id);
    expect(state().fatal).toBeNull();
  });

  it('selectAuthFault returns the fatal fault only when it asks to reauthenticate', () => {
    const { store, state } = setup();
    expect(selectAuthFault(state())).toBeNull();
    const auth = store.getState().report(fatalFault());
    expect(selectAuthFault(state())).toBe(auth);
    store.getState().report(fatalFault({ code: 4004, action: 'none', message: 'forbidden' }));
    expect(selectAuthFault(state())).toBeNull();
  });
});

describe('stable references', () => {
  it('keeps history and fatal when a recoverable toast is dismissed, and the selectors return state arrays', () => {
    const { store, state } = setup();
    const auth = store.getState().report(fatalFault());
    const toast = store.getState().report(fault());
    const { history, fatal } = state();
    store.getState().dismiss(toast.id);
    expect(state().history).toBe(history);
    expect(state().fatal).toBe(fatal);
    expect(state().fatal).toBe(auth);
    expect(selectToasts(state())).toBe(state().toasts);
    expect(selectFaults(state())).toBe(state().history);
  });

  it('keeps the fatal entry object while newer recoverable faults arrive', () => {
    const { store, state } = setup();
    store.getState().report(fatalFault());
    const fatal = state().fatal;
    store.getState().report(fault());
    expect(state().fatal).toBe(fatal);
  });
});

describe('independence and clear', () => {
  it('two stores share nothing', () => {
    const a = createErrorStore({ clock: manualClock() });
    const b = createErrorStore({ clock: manualClock() });
    a.getState().report(fault());
    expect(b.getState().history).toEqual([]);
    b.getState().report(fatalFault());
    b.getState().dismissAll();
    expect(a.getState().toasts).toHaveLength(1);
  });

  it('clear empties everything and cancels the expiry timer', () => {
    const { clock, store, state } = setup();
    store.getState().report(fault());
    store.getState().report(fatalFault());
    expect(clock.pending()).toBe(1);
    store.getState().clear();
    expect(state()).toMatchObject({ history: [], toasts: [], fatal: null });
    expect(clock.pending()).toBe(0);
  });
});

describe('options', () => {
  it.each([
    ['maxHistory', { maxHistory: 0 }],
    ['maxHistory', { maxHistory: 2.5 }],
    ['dedupeWindowMs', { dedupeWindowMs: -1 }],
    ['dedupeWindowMs', { dedupeWindowMs: Number.NaN }],
    ['recoverableTtlMs', { recoverableTtlMs: -1 }],
    ['recoverableTtlMs', { recoverableTtlMs: Number.POSITIVE_INFINITY }],
    ['onFault', { onFault: 'log' }],
  ])('rejects an invalid %s with an error naming it', (name, options) => {
    expect(() => createErrorStore(options as ErrorStoreOptions)).toThrow(
      new RegExp(`sockguard: createErrorStore\\.${name} must be`),
    );
  });

  it('rejects an unknown key, naming the nearest known one', () => {
    expect(() => createErrorStore({ maxHistroy: 5 } as ErrorStoreOptions)).toThrow(
      /unknown option createErrorStore\.maxHistroy\. Did you mean maxHistory\?/,
    );
  });

  it('in production builds, does not check (development help only)', () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(() => createErrorStore({ maxHistroy: 5 } as ErrorStoreOptions)).not.toThrow();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('has the defaults it exports', () => {
    expect(ERROR_STORE_DEFAULTS).toEqual({
      maxHistory: 50,
      dedupeWindowMs: 5000,
      recoverableTtlMs: 10_000,
    });
  });

  it('accepts the edges: maxHistory 1, windows of 0, an infinite dedupe window, a null TTL', () => {
    expect(() =>
      createErrorStore({ maxHistory: 1, dedupeWindowMs: 0, recoverableTtlMs: 0 }),
    ).not.toThrow();
    expect(() =>
      createErrorStore({ dedupeWindowMs: Number.POSITIVE_INFINITY, recoverableTtlMs: null }),
    ).not.toThrow();
  });
});
