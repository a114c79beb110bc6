// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createMemoryHistory } from './memory-history.js';
import { createSessionServer } from './session-server.js';
import type { SessionServerOptions } from './types.js';

const onMessage = () => {};
const make = (options: Record<string, unknown>) => () =>
  createSessionServer({ onMessage, ...options } as SessionServerOptions);

describe('createSessionServer options', () => {
  it('accepts the documented ranges, edges included', () => {
    expect(make({ ackDelayMs: 0, sessionTtlMs: 0 })).not.toThrow();
    expect(make({ ackDelayMs: 100, sessionTtlMs: 2 ** 31 - 1 })).not.toThrow();
    expect(make({ history: createMemoryHistory(), answerPings: false })).not.toThrow();
    expect(make({ ackDelayMs: undefined })).not.toThrow();
  });

  it('refuses an ack delay over the 100 ms the protocol allows, naming the option and the range', () => {
    expect(make({ ackDelayMs: 101 })).toThrow(
      'createSessionServer: ackDelayMs must be an integer from 0 to 100 (milliseconds); got 101',
    );
    expect(make({ ackDelayMs: 1.5 })).toThrow(RangeError);
    expect(make({ ackDelayMs: Number.NaN })).toThrow(/ackDelayMs must be/);
  });

  it('refuses a session TTL a timer cannot hold, or a negative one', () => {
    expect(make({ sessionTtlMs: 2 ** 31 })).toThrow(
      'createSessionServer: sessionTtlMs must be an integer from 0 to 2147483647 (milliseconds); got 2147483648',
    );
    expect(make({ sessionTtlMs: -1 })).toThrow(/sessionTtlMs must be/);
  });

  it('requires onMessage, and functions where callbacks go', () => {
    expect(() => createSessionServer({} as SessionServerOptions)).toThrow(
      'createSessionServer: onMessage is required (a function)',
    );
    expect(make({ onError: 'log' })).toThrow(
      'createSessionServer: onError must be a function; got "log"',
    );
    expect(make({ onSessionEnd: 1 })).toThrow(/onSessionEnd must be a function/);
    expect(make({ newSessionId: 'id' })).toThrow(/newSessionId must be a function/);
  });

  it('refuses a history that is not a store', () => {
    expect(make({ history: { create() {} } })).toThrow(
      'createSessionServer: history must be an object with the methods create, open, append, setAcked, expire; got an object',
    );
  });

  it('refuses wrong kinds for the other options', () => {
    expect(make({ answerPings: 'yes' })).toThrow(/answerPings must be true or false; got "yes"/);
    expect(make({ maxFrameChars: 0 })).toThrow(/maxFrameChars must be an integer from 1/);
    expect(make({ maxDepth: 0 })).toThrow(/maxDepth must be an integer from 1 to 10000/);
  });

  it('takes every limit as a positive integer, naming the option when it is not', () => {
    const limits = [
      'maxFrameBytes',
      'maxBacklogFrames',
      'maxBacklogBytes',
      'maxQueuedFrames',
      'maxQueuedBytes',
      'maxBufferedBytes',
      'maxSessions',
      'maxSeqAhead',
    ];
    for (const name of limits) {
      expect(make({ [name]: 1 })).not.toThrow();
      expect(make({ [name]: 0 })).toThrow(
        `createSessionServer: ${name} must be an integer from 1 to 9007199254740991; got 0`,
      );
      expect(make({ [name]: 2.5 })).toThrow(RangeError);
    }
  });

  it('refuses an unknown key, naming the nearest known one', () => {
    expect(make({ ackDelay: 5 })).toThrow(
      /createSessionServer: unknown option ackDelay\. Did you mean ackDelayMs\?/,
    );
    expect(() => createSessionServer(null as unknown as SessionServerOptions)).toThrow(
      'createSessionServer: options must be an object; got null',
    );
  });
});
