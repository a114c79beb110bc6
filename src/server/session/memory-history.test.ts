// @vitest-environment node

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type OpenedSession,
  OTHER_PRINCIPAL,
  type SessionBinding,
  UnknownSessionError,
} from './history-store.js';
import { hashSecret } from './identity.js';
import {
  createMemoryHistory,
  type MemoryHistory,
  type MemoryHistoryOptions,
} from './memory-history.js';

/** The binding every session of these tests is created with, and presented on open. */
const BOUND: SessionBinding = { principal: 'alice', secretHash: hashSecret('secret-of-s') };

/** The memory store with sessions created and opened under {@link BOUND}. */
function bound(history: MemoryHistory) {
  return {
    create: (id: string, owner?: string) => history.create(id, owner, BOUND),
    open: (id: string, afterSeq: number, owner?: string) =>
      history.open(id, afterSeq, owner, BOUND) as OpenedSession | undefined,
  };
}

/** A store on a hand-driven clock, with session "s" created. */
function store(options: MemoryHistoryOptions = {}) {
  const clock = { time: 1000 };
  const history = createMemoryHistory({ now: () => clock.time, ...options });
  const { create, open } = bound(history);
  create('s');
  const add = (text: string) => history.append('s', (seq) => `${text}#${seq}`);
  return { history, clock, add, create, open };
}

describe('createMemoryHistory', () => {
  it('numbers frames from 1 and replays every frame after a seq, in order, as encoded', () => {
    const { add, open } = store();
    expect([add('a'), add('b'), add('c')]).toEqual([1, 2, 3]);
    expect(open('s', 1)).toEqual({ seq: 3, acked: 0, replay: ['b#2', 'c#3'] });
    expect(open('s', 3)).toEqual({ seq: 3, acked: 0, replay: [] });
    expect(open('s', 0)?.replay).toEqual(['a#1', 'b#2', 'c#3']);
  });

  it('cannot serve a gap once frames are trimmed by count, but serves what it still holds', () => {
    const { add, open } = store({ maxMessages: 2 });
    for (const text of ['a', 'b', 'c', 'd']) add(text);
    expect(open('s', 1)?.replay).toBeUndefined();
    expect(open('s', 2)?.replay).toEqual(['c#3', 'd#4']);
  });

  it('trims by the total text length of the frames (maxBytes)', () => {
    const { add, open } = store({ maxBytes: 10 });
    add('aaaa'); // "aaaa#1": 6 chars
    add('bbbb'); // 12 chars in all: the first goes
    expect(open('s', 0)?.replay).toBeUndefined();
    expect(open('s', 1)?.replay).toEqual(['bbbb#2']);
    add('x'.repeat(20)); // alone over the bound: not kept either
    expect(open('s', 2)?.replay).toBeUndefined();
    expect(open('s', 3)?.replay).toEqual([]);
  });

  it('drops frames older than maxAgeMs on the injected clock', () => {
    const { clock, add, open } = store({ maxAgeMs: 500 });
    add('old');
    clock.time += 300;
    add('new');
    clock.time += 250; // "old" is 550 ms old, "new" 250
    expect(open('s', 0)?.replay).toBeUndefined();
    expect(open('s', 1)?.replay).toEqual(['new#2']);
  });

  it('cannot serve a client that claims more than was ever sent', () => {
    const { add, open } = store();
    add('a');
    expect(open('s', 5)?.replay).toBeUndefined();
  });

  it('does not know a session it never created; append to one throws, the id kept out of the message', () => {
    const history = createMemoryHistory();
    expect(bound(history).open('nope', 0)).toBeUndefined();
    let thrown: unknown;
    try {
      history.append('nope', () => 'x');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnknownSessionError);
    expect((thrown as UnknownSessionError).message).toBe('unknown session');
    expect((thrown as UnknownSessionError).session).toBe('nope');
    expect(inspect(thrown)).not.toContain('nope');
  });

  it('keeps the highest acked', () => {
    const { history, open } = store();
    history.setAcked('s', 5);
    history.setAcked('s', 3);
    expect(open('s', 0)?.acked).toBe(5);
  });

  it('forgets an expiring session after its TTL, unless open claims it first', () => {
    const { history, clock, create, open } = store();
    create('t');
    history.expire('s', 100);
    history.expire('t', 100);
    clock.time += 50;
    expect(open('t', 0)).toBeDefined(); // claimed: no longer expiring
    clock.time += 60;
    expect(open('s', 0)).toBeUndefined();
    clock.time += 10_000;
    expect(open('t', 0)).toBeDefined();
  });

  it('sweeps expired sessions without being asked for them (memory is given back)', () => {
    const { history, clock, create } = store();
    for (let i = 0; i < 5; i++) {
      create(`x${i}`);
      history.expire(`x${i}`, 100);
    }
    expect(history.size).toBe(6);
    clock.time += 100;
    create('y');
    expect(history.size).toBe(2);
  });

  it('keeps replaying the right frames after many trims (the compaction keeps seqs aligned)', () => {
    const { add, open } = store({ maxMessages: 10 });
    for (let i = 0; i < 500; i++) add('m');
    expect(open('s', 489)?.replay).toBeUndefined();
    expect(open('s', 495)?.replay).toEqual(['m#496', 'm#497', 'm#498', 'm#499', 'm#500']);
  });

  it('a retained session (expire with historyMs): its history goes after historyMs, its numbering and binding stay until the TTL', () => {
    const { history, clock, add, open } = store();
    add('a');
    add('b');
    add('c');
    history.setAcked('s', 2);
    history.expire('s', 3_600_000, undefined, 1000);
    clock.time += 999;
    expect(open('s', 1)).toEqual({ seq: 3, acked: 2, replay: ['b#2', 'c#3'] });
    history.expire('s', 3_600_000, undefined, 1000);
    clock.time += 1000;
    // Missed frames cannot be replayed any more; nothing missed still resumes.
    expect(open('s', 1)).toEqual({ seq: 3, acked: 2, replay: undefined });
    expect(open('s', 3)).toEqual({ seq: 3, acked: 2, replay: [] });
    // Numbering goes on from the kept seq.
    expect(add('d')).toBe(4);
    expect(open('s', 3)?.replay).toEqual(['d#4']);
    history.expire('s', 3_600_000, undefined, 1000);
    clock.time += 3_600_000;
    expect(open('s', 4)).toBeUndefined();
    // The binding was kept too: another secret never opens a retained session.
    const { create } = bound(history);
    create('t');
    history.expire('t', 3_600_000, undefined, 10);
    clock.time += 100;
    expect(history.open('t', 0, undefined, { ...BOUND, secretHash: hashSecret('other') })).toBe(
      undefined,
    );
  });

  it("sweeps a retained session's frames when its history time passes, keeping its record (a fixed cost)", () => {
    const { history, clock, add, create } = store();
    for (let i = 0; i < 50; i++) add('x');
    history.expire('s', 3_600_000, undefined, 1000);
    expect(history.frames).toBe(50);
    clock.time += 1000;
    create('t');
    expect(history.frames).toBe(0);
    expect(history.size).toBe(2);
  });

  it('maxSessions: creating one more forgets the session nearest its expiry, never one a connection holds', () => {
    const { history, clock, create, open } = store({ maxSessions: 2 });
    create('held');
    clock.time += 1;
    create('third');
    // Full and nothing expiring: both held sessions stay (the layer's own maxSessions bounds them).
    expect(history.size).toBe(3);
    history.expire('s', 3_600_000, undefined, 10);
    history.expire('third', 7_200_000, undefined, 10);
    create('fourth');
    expect(open('s', 0)).toBeUndefined();
    expect(open('third', 0)).toBeDefined();
    expect(open('held', 0)).toBeDefined();
  });

  it('checks its options at construction, naming the option and the accepted range', () => {
    expect(() => createMemoryHistory({ maxMessages: 0 })).toThrow(
      'createMemoryHistory: maxMessages must be an integer from 1 to 9007199254740991; got 0',
    );
    expect(() => createMemoryHistory({ maxBytes: 1.5 })).toThrow(/maxBytes must be an integer/);
    expect(() => createMemoryHistory({ maxAgeMs: -1 })).toThrow(
      /maxAgeMs must be an integer from 1 to \d+ \(milliseconds\); got -1/,
    );
    expect(() => createMemoryHistory({ now: 5 as unknown as () => number })).toThrow(
      /now must be a function; got 5/,
    );
    expect(() => createMemoryHistory({ maxMessage: 5 } as MemoryHistoryOptions)).toThrow(
      /unknown option maxMessage\. Did you mean maxMessages\?/,
    );
  });

  it('ignores an expire from a claim that is not the latest: a layer sharing the store holds it now', () => {
    const clock = { time: 0 };
    const history = createMemoryHistory({ now: () => clock.time });
    const { create, open } = bound(history);
    create('s', 'left');
    open('s', 0, 'now');
    history.expire('s', 100, 'left');
    clock.time += 1000;
    expect(open('s', 0, 'now')).toBeDefined();
    history.expire('s', 100, 'now');
    clock.time += 1000;
    expect(open('s', 0, 'now')).toBeUndefined();
  });

  it('opens a session only for its own secret and principal, and claims nothing otherwise', () => {
    const clock = { time: 0 };
    const history = createMemoryHistory({ now: () => clock.time });
    history.create('s', 'owner', BOUND);
    history.append('s', (seq) => `f#${seq}`);
    history.expire('s', 100, 'owner');
    const wrongSecret = { principal: 'alice', secretHash: hashSecret('guess') };
    const noSecret = { principal: 'alice', secretHash: '' };
    const otherUser = { principal: 'mallory', secretHash: BOUND.secretHash };
    // A wrong secret reads exactly as a session never created.
    expect(history.open('s', 0, 'thief', wrongSecret)).toBeUndefined();
    expect(history.open('s', 0, 'thief', noSecret)).toBeUndefined();
    expect(history.open('s', 0, 'thief', otherUser)).toBe(OTHER_PRINCIPAL);
    // None of them claimed it: the owner's expire still applies, and it ends on time.
    history.expire('s', 100, 'owner');
    clock.time += 100;
    expect(history.open('s', 0, 'owner', BOUND)).toBeUndefined();
  });
});
