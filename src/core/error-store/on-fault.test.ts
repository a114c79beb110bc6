/**
 * The store's logger: called once per failure with the entry and the report's context, isolated
 * from the store. (Redaction is not the store's: faults are redacted where they are made, and the
 * store keeps and logs what it is given.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fault, manualClock } from '../../../test/support/error-store-fixtures.js';
import { createErrorStore } from './error-store.js';
import type { FaultLog, StoredFault } from './types.js';

vi.mock('react', () => {
  throw new Error('react imported');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('onFault', () => {
  it('is called on every report, merged repeats included, with the context and the count', () => {
    const onFault = vi.fn<(fault: StoredFault, log: FaultLog) => void>();
    const store = createErrorStore({ clock: manualClock(), onFault });
    const first = store.getState().report(fault(), { attempt: 2, status: 'open' });
    const merged = store.getState().report(fault());
    expect(onFault).toHaveBeenCalledTimes(2);
    expect(onFault.mock.calls[0]).toEqual([first, { attempt: 2, status: 'open', count: 1 }]);
    expect(onFault.mock.calls[1]).toEqual([merged, { count: 2 }]);
    expect(onFault.mock.calls[1]?.[0]).toBe(store.getState().active[0]);
  });

  it('logs one line per failure: a report completing an entry with the same id is not logged again', () => {
    const onFault = vi.fn<(fault: StoredFault, log: FaultLog) => void>();
    const store = createErrorStore({ clock: manualClock(), onFault });
    const envelope = store.getState().report(fault());
    const completed = store.getState().report({ ...fault(), id: envelope.id, action: 'stop' });
    expect(completed).toMatchObject({ id: envelope.id, action: 'stop' });
    expect(onFault).toHaveBeenCalledTimes(1);
  });

  it('isolates a throwing logger: the fault is stored and returned, later reports work', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const store = createErrorStore({
      clock: manualClock(),
      onFault: () => {
        throw new Error('logger down');
      },
    });
    const stored = store.getState().report(fault());
    expect(store.getState().active).toEqual([stored]);
    expect(store.getState().report(fault({ code: 4002 })).code).toBe(4002);
    expect(consoleError).toHaveBeenCalledTimes(2);
    expect(consoleError.mock.calls[0]?.[1]).toEqual(new Error('logger down'));
  });

  it('stores and logs the fault as given: the store does not rewrite what it is handed', () => {
    const onFault = vi.fn<(fault: StoredFault, log: FaultLog) => void>();
    const store = createErrorStore({ clock: manualClock(), onFault });
    const given = fault({ message: 'denied', detail: { closeReason: 'bye', closeCode: 4003 } });
    const stored = store.getState().report(given, { url: 'wss://chat.example/ws?[redacted]' });
    expect(stored).toMatchObject({ message: 'denied', detail: given.detail });
    expect(onFault.mock.calls[0]?.[1]).toEqual({
      url: 'wss://chat.example/ws?[redacted]',
      count: 1,
    });
  });
});
