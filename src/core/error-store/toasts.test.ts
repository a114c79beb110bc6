/** Toasts merge the faults that read the same to a user; the fault records stay apart. */
import { describe, expect, it, vi } from 'vitest';
import {
  clientFault,
  fatalFault,
  fault,
  manualClock,
} from '../../../test/support/error-store-fixtures.js';
import { createErrorStore, type ErrorStoreOptions } from './error-store.js';

vi.mock('react', () => {
  throw new Error('react imported');
});

function setup(options: ErrorStoreOptions = {}) {
  const clock = manualClock();
  const store = createErrorStore({ clock, ...options });
  return { clock, report: store.getState().report, state: () => store.getState() };
}

describe('toasts: faults that read the same are one toast', () => {
  it('merges two client codes with the same text into one toast with the summed count', () => {
    const { report, state } = setup();
    const frame = report(clientFault({ code: 'invalid_frame' }));
    report(clientFault({ code: 'invalid_frame' })); // a repeat: the same record, count 2
    const envelope = report(clientFault({ code: 'invalid_envelope' }));
    expect(state().history.map((f) => [f.code, f.count])).toEqual([
      ['invalid_envelope', 1],
      ['invalid_frame', 2],
    ]);
    expect(state().toasts).toHaveLength(1);
    expect(state().toasts[0]).toMatchObject({
      message: 'Received an invalid message.',
      count: 3,
      code: 'invalid_envelope', // the newest fault's fields
      id: frame.id, // the fault shown longest
    });
    expect(state().toasts[0]?.faults).toEqual([envelope, state().history[1]]);
  });

  it.each([
    ['severity', fatalFault({ message: 'room not found', action: 'none' })],
    ['message', fault({ message: 'room closed' })],
  ])('keeps faults apart that differ in %s', (_field, other) => {
    const { report, state } = setup();
    report(fault());
    report(other);
    expect(state().toasts).toHaveLength(2);
  });

  it('keeps the toast id while another fault joins, and orders toasts by their newest fault', () => {
    const { clock, report, state } = setup();
    const first = report(fault({ code: 4001 }));
    clock.advance(10);
    report(fault({ code: 4000, message: 'bad request' }));
    clock.advance(10);
    report(fault({ code: 4002 })); // reads the same as the 4001
    expect(state().toasts.map((t) => [t.id, t.count])).toEqual([
      [first.id, 2],
      [expect.any(String), 1],
    ]);
    expect(state().toasts[0]?.firstAt).toBe(first.firstAt);
    expect(state().toasts[0]?.lastAt).toBe(first.firstAt + 20);
  });

  it('dismissing a merged toast, by its id or by any of its faults, dismisses every fault behind it', () => {
    for (const pick of ['toast', 'newest fault'] as const) {
      const { report, state } = setup();
      report(clientFault({ code: 'invalid_frame' }));
      const newest = report(clientFault({ code: 'invalid_envelope' }));
      const other = report(fault());
      const toast = state().toasts.find((t) => t.code === 'invalid_envelope');
      state().dismiss(pick === 'toast' ? (toast?.id ?? '') : newest.id);
      expect(state().active).toEqual([other]);
      expect(state().toasts.map((t) => t.id)).toEqual([other.id]);
      expect(state().history).toHaveLength(3);
    }
  });

  it('a merged toast leaves with its last fault; its expiresAt is the latest of theirs', () => {
    const { clock, report, state } = setup({ recoverableTtlMs: 1000 });
    report(clientFault({ code: 'invalid_frame' }));
    clock.advance(400);
    const later = report(clientFault({ code: 'invalid_envelope' }));
    expect(state().toasts[0]?.expiresAt).toBe(later.expiresAt);
    clock.advance(600); // the first one expired
    expect(state().toasts).toMatchObject([{ count: 1, id: later.id }]);
    clock.advance(400);
    expect(state().toasts).toEqual([]);
  });

  it('has a null expiresAt when one of its faults never expires', () => {
    const { report, state } = setup({ recoverableTtlMs: null });
    report(clientFault({ code: 'invalid_frame' }));
    report(clientFault({ code: 'invalid_envelope' }));
    expect(state().toasts[0]?.expiresAt).toBeNull();
  });

  it('keeps a toast object while the faults it shows are unchanged', () => {
    const { report, state } = setup();
    report(fault());
    const before = state().toasts[0];
    report(fatalFault());
    expect(state().toasts[1]).toBe(before);
  });
});
