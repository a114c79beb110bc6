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

const SECRET = 'sekrit123';
const leaky = () =>
  fault({
    message: `denied for token=${SECRET} at wss://chat.example/ws?token=${SECRET}`,
    detail: {
      serverMessage: `Bearer ${SECRET}`,
      closeReason: `password: ${SECRET}`,
      cause: `fetch https://api.example/x?key=${SECRET} failed`,
      url: `wss://user:${SECRET}@chat.example/ws?token=${SECRET}`,
      closeCode: 4003,
      ...{ extra: `session=${SECRET}` },
    },
  });

describe('redaction', () => {
  it('stores message and every detail string redacted, and non-strings as they were', () => {
    const store = createErrorStore({ clock: manualClock() });
    const stored = store.getState().report(leaky());
    expect(JSON.stringify(store.getState())).not.toContain(SECRET);
    expect(stored.message).toBe('denied for token=[redacted] at wss://chat.example/ws?[redacted]');
    expect(stored.detail).toMatchObject({
      url: 'wss://[redacted]@chat.example/ws?[redacted]',
      closeCode: 4003,
    });
    expect(stored.detail).toHaveProperty('extra', 'session=[redacted]');
  });

  it('hands onFault the redacted fault and a redacted context URL', () => {
    const onFault = vi.fn<(fault: StoredFault, log: FaultLog) => void>();
    const store = createErrorStore({ clock: manualClock(), onFault });
    store.getState().report(leaky(), { url: `wss://chat.example/ws?token=${SECRET}` });
    expect(JSON.stringify(onFault.mock.calls)).not.toContain(SECRET);
    expect(onFault.mock.calls[0]?.[1].url).toBe('wss://chat.example/ws?[redacted]');
  });

  it('merges repeats whose messages differ only in a redacted token', () => {
    const store = createErrorStore({ clock: manualClock() });
    store.getState().report(fault({ message: 'bad token=aaa' }));
    expect(store.getState().report(fault({ message: 'bad token=bbb' })).count).toBe(2);
  });
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
});
