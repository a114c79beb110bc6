/** Message dispatch follows EventTarget's rules, so handlers can (un)subscribe while handling. */
import { describe, expect, it } from 'vitest';
import { createHandlers } from './handlers.js';

const noFailure = (error: unknown) => {
  throw error;
};

describe('createHandlers', () => {
  it('a handler that unsubscribes and subscribes itself again is called once per message, not forever', () => {
    const handlers = createHandlers(noFailure);
    let calls = 0;
    let off = () => {};
    const handler = () => {
      calls += 1;
      if (calls > 10) throw new Error('called again for the same message');
      off();
      off = handlers.on('chat', handler);
    };
    off = handlers.on('chat', handler);
    handlers.emit({ type: 'chat', data: null });
    expect(calls).toBe(1);
    handlers.emit({ type: 'chat', data: null });
    expect(calls).toBe(2);
    // One subscription is left, and it is the last one made: without it nothing is called.
    off();
    handlers.emit({ type: 'chat', data: null });
    expect(calls).toBe(2);
  });

  it('a frame of type "*" reaches a wildcard handler once', () => {
    const handlers = createHandlers(noFailure);
    let calls = 0;
    handlers.on('*', () => {
      calls += 1;
    });
    handlers.emit({ type: '*', data: null });
    expect(calls).toBe(1);
  });

  it('a handler removed by an earlier one during the same dispatch is not called', () => {
    const handlers = createHandlers(noFailure);
    const seen: string[] = [];
    let offSecond = () => {};
    handlers.on('chat', () => {
      seen.push('first');
      offSecond();
    });
    offSecond = handlers.on('chat', () => seen.push('second'));
    handlers.emit({ type: 'chat', data: null });
    expect(seen).toEqual(['first']);
  });

  it('a handler added during dispatch sees the next message, not the current one', () => {
    const handlers = createHandlers(noFailure);
    const seen: string[] = [];
    handlers.on('chat', () => {
      seen.push('first');
      if (seen.length === 1) handlers.on('chat', () => seen.push('late'));
    });
    handlers.emit({ type: 'chat', data: null });
    expect(seen).toEqual(['first']);
    handlers.emit({ type: 'chat', data: null });
    expect(seen).toEqual(['first', 'first', 'late']);
  });

  it('a throwing handler is reported and the others still run', () => {
    const failures: unknown[] = [];
    const handlers = createHandlers((error) => failures.push(error));
    const seen: string[] = [];
    handlers.on('chat', () => {
      throw new Error('boom');
    });
    handlers.on('chat', () => seen.push('second'));
    handlers.on('*', () => seen.push('wildcard'));
    handlers.emit({ type: 'chat', data: null });
    expect(failures).toHaveLength(1);
    expect(seen).toEqual(['second', 'wildcard']);
  });
});
