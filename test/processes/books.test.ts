/**
 * The books' one judgement that is not a count: a frame processed twice is excused only when its
 * first processing was on an instance SIGKILLed within KILL_WINDOW_MS after it, and that
 * instance's store had not confirmed an `acked` covering the frame. Any other duplicate counts as
 * `twice` and fails the run.
 */
import { describe, expect, it } from 'vitest';
import { type InstanceBooks, KILL_WINDOW_MS, type Kill, reconcile } from './books.js';
import type { FleetClient } from './fleet.js';

const KILLED = 'book-i2-1.jsonl';
const KILL_AT = 100_000;

function booksWith(first: { t: number; book: string }, ackedThere: number | undefined) {
  const books: InstanceBooks = {
    processed: new Map([
      [
        '0:1',
        [
          { t: first.t, book: first.book, s: 'S', q: 7 },
          { t: KILL_AT + 900, book: 'book-i1-1.jsonl', s: 'S', q: 7 },
        ],
      ],
    ]),
    acked: new Map(ackedThere === undefined ? [] : [[first.book, new Map([['S', ackedThere]])]]),
    wrongPrincipal: 0,
    numbered: new Map(),
    unnumbered: new Map(),
    welcomes: [],
    errors: new Map(),
    drains: [],
    unauthorized: 0,
  };
  return books;
}

const client = {
  index: 0,
  sends: new Map([[1, { p: 0, fate: 'acknowledged' }]]),
  seen: new Map(),
  welcomes: [],
  resyncs: [],
} as unknown as FleetClient;

const kills: Kill[] = [{ book: KILLED, at: KILL_AT }];

describe('processes books: a duplicate after a SIGKILL', () => {
  it.each([
    [
      'processed 20 ms before the kill, its acked never confirmed',
      KILL_AT - 20,
      KILLED,
      undefined,
      'kill',
    ],
    ['processed 20 ms before the kill, acked confirmed below it', KILL_AT - 20, KILLED, 6, 'kill'],
    ['processed 20 ms before the kill, acked confirmed up to it', KILL_AT - 20, KILLED, 7, 'twice'],
    [
      'processed long before the kill, never confirmed',
      KILL_AT - KILL_WINDOW_MS - 1,
      KILLED,
      undefined,
      'twice',
    ],
    [
      'processed on an instance that was not killed',
      KILL_AT - 20,
      'book-i3-1.jsonl',
      undefined,
      'twice',
    ],
  ] as const)('%s: %s', (_name, t, book, acked, verdict) => {
    const { toServer } = reconcile(
      booksWith({ t, book }, acked),
      [client],
      new Map(),
      [0],
      undefined,
      new Set(),
      kills,
    );
    const d = toServer[0];
    expect({ twice: d?.twice, twiceKill: d?.twiceKill, once: d?.once }).toEqual(
      verdict === 'kill'
        ? { twice: 0, twiceKill: 1, once: 0 }
        : { twice: 1, twiceKill: 0, once: 0 },
    );
  });

  it('without kills, every duplicate is one', () => {
    const { toServer } = reconcile(
      booksWith({ t: KILL_AT - 20, book: KILLED }, undefined),
      [client],
      new Map(),
      [0],
      undefined,
      new Set(),
    );
    expect(toServer[0]?.twice).toBe(1);
  });
});
