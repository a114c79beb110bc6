/**
 * What the client believes of a server, as tables (docs/protocol.md, rules of the client side):
 * welcomes, acks and numbered messages, each either believed or a violation with its reason.
 */
import { describe, expect, it } from 'vitest';
import type { WelcomeData } from '../protocol/delivery.js';
import { ackViolation, readNumbered, welcomeViolation } from './checks.js';

const w = (fields: Partial<WelcomeData>): WelcomeData => ({
  v: 1,
  session: 's1',
  resumed: false,
  seq: 0,
  acked: 0,
  secret: 'k',
  ...fields,
});

describe('welcomeViolation', () => {
  const books = { asked: 's1', lastSeen: 5, written: 3 };
  it.each([
    [
      'a resume acknowledging what was written',
      w({ resumed: true, seq: 7, acked: 3 }),
      books,
      undefined,
    ],
    ['a resume at the last seq seen', w({ resumed: true, seq: 5 }), books, undefined],
    ['history_gone with a lower seq (kept at the higher one)', w({ seq: 2 }), books, undefined],
    [
      'acked above what was written',
      w({ acked: 4 }),
      books,
      /welcome acked 4, above 3, the highest seq sent in the session/,
    ],
    [
      'a resume below the last seq seen',
      w({ resumed: true, seq: 4 }),
      books,
      /resumed at seq 4, below last_seq 5/,
    ],
    ['a new session with acked 0', w({ session: 's2' }), books, undefined],
    [
      'a new session acknowledging',
      w({ session: 's2', acked: 1 }),
      books,
      /new session with acked 1: nothing was sent in it/,
    ],
    [
      'a new session that says it resumed',
      w({ session: 's2', resumed: true }),
      books,
      /new session said resumed/,
    ],
    ['a first session', w({}), { asked: null, lastSeen: 0, written: 0 }, undefined],
    [
      'a first session acknowledging',
      w({ acked: 2 }),
      { asked: null, lastSeen: 0, written: 9 },
      /new session/,
    ],
  ])('%s', (_, welcome, given, expected) => {
    const found = welcomeViolation(welcome, given);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(expected);
  });
});

describe('ackViolation', () => {
  it.each([
    [0, 0, undefined],
    [3, 3, undefined],
    [2, 3, undefined],
    [4, 3, /ack 4, above 3, the highest seq sent on this connection/],
    [undefined, 3, /malformed ack/],
  ])('ack %s with %s sent', (seq, bound, expected) => {
    const found = ackViolation(seq, bound);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(expected);
  });
});

describe('readNumbered', () => {
  const at = (seq: unknown, lastSeen: number) =>
    readNumbered(
      { type: 'news', data: null, ...(seq === 'absent' ? {} : { meta: { seq } }) } as never,
      lastSeen,
    );
  it.each([
    ['absent', 3, { kind: 'unnumbered' }],
    [null, 3, { kind: 'unnumbered' }],
    [4, 3, { kind: 'next', seq: 4 }],
    [1, 0, { kind: 'next', seq: 1 }],
    [3, 3, { kind: 'duplicate' }],
    [1, 3, { kind: 'duplicate' }],
  ])('seq %s after %s', (seq, lastSeen, expected) => {
    expect(at(seq, lastSeen)).toEqual(expected);
  });
  it.each([
    [5, 3, /gap: seq 5 after 3; resuming after 3/],
    [9, 3, /gap: seq 9 after 3/],
    [0, 3, /meta\.seq 0 is not a positive safe integer/],
    [-1, 3, /not a positive safe integer/],
    [2.5, 3, /not a positive safe integer/],
    [2 ** 53, 3, /not a positive safe integer/],
    ['4', 3, /meta\.seq "4" is not/],
    [{ n: 1 }, 3, /not a positive safe integer/],
  ])('seq %j after %s is a violation', (seq, lastSeen, cause) => {
    const read = at(seq, lastSeen);
    expect(read.kind).toBe('violation');
    if (read.kind === 'violation') expect(read.cause).toMatch(cause);
  });
});
