// @vitest-environment node
/**
 * The multi-instance books' one judgement that is not a count (test/support/delivery-fleet.ts):
 * a message processed twice is excused only when its first processing was on an instance that
 * then crashed before Redis confirmed an `acked` covering it. Any other repeat is `duplicated`.
 */
import { describe, expect, it } from 'vitest';
import { figures } from '../support/delivery-fleet.js';
import { createBooks } from '../support/session-cluster.js';

function judged(first: { instance: string; seq: number }, crashed: boolean, confirmed?: number) {
  const books = createBooks();
  books.processed.set('0:1', 2);
  books.firstProcessed.set('0:1', { ...first, session: 'S' });
  if (crashed) books.crashed.add(first.instance);
  if (confirmed !== undefined) books.confirmed.set(first.instance, new Map([['S', confirmed]]));
  const { duplicated, duplicatedCrashBeforeAcked } = figures(books, []).toServer;
  return { duplicated, duplicatedCrashBeforeAcked };
}

describe('fleet books: a repeat after a crash', () => {
  it.each([
    ['first on the crashed instance, no acked confirmed', 'a', true, undefined, 'crash'],
    ['first on the crashed instance, acked confirmed below it', 'a', true, 6, 'crash'],
    ['first on the crashed instance, acked confirmed up to it', 'a', true, 7, 'duplicated'],
    ['first on an instance that did not crash', 'b', false, undefined, 'duplicated'],
  ] as const)('%s: %s', (_name, instance, crashed, confirmed, verdict) => {
    expect(judged({ instance, seq: 7 }, crashed, confirmed)).toEqual(
      verdict === 'crash'
        ? { duplicated: 0, duplicatedCrashBeforeAcked: 1 }
        : { duplicated: 1, duplicatedCrashBeforeAcked: 0 },
    );
  });
});
