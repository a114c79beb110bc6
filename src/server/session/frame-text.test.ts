// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildEnvelope } from '../envelope.js';
import { frameEncoder, textOf } from './frame-text.js';

describe('frameEncoder', () => {
  it('without a seq writes what JSON.stringify(buildEnvelope()) writes', () => {
    const cases: Array<[string, unknown, Record<string, unknown> | undefined]> = [
      ['pong', undefined, undefined],
      ['chat', { text: 'hé "q"' }, undefined],
      ['chat', [1, 2], { request_id: 'r1' }],
      ['x', null, {}],
    ];
    for (const [type, data, meta] of cases) {
      expect(frameEncoder(type, data, meta)()).toBe(
        JSON.stringify(buildEnvelope(type, data, meta)),
      );
    }
  });

  it('with a seq adds meta.seq, replacing a seq the app put in meta', () => {
    expect(JSON.parse(frameEncoder('chat', { a: 1 })(7))).toEqual({
      type: 'chat',
      data: { a: 1 },
      meta: { seq: 7 },
    });
    expect(JSON.parse(frameEncoder('chat', 1, { request_id: 'r', seq: 99 })(3))).toEqual({
      type: 'chat',
      data: 1,
      meta: { request_id: 'r', seq: 3 },
    });
    expect(JSON.parse(frameEncoder('chat', 1, { seq: 99 })())).toEqual({
      type: 'chat',
      data: 1,
      meta: {},
    });
  });

  it('throws before any seq is taken when the data cannot be serialized', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => frameEncoder('chat', cycle)).toThrow(TypeError);
    expect(() => frameEncoder('chat', 1n)).toThrow(TypeError);
  });
});

describe('textOf', () => {
  it('reads strings, buffers, ArrayBuffers and fragmented Buffer[] as UTF-8', () => {
    const bytes = new TextEncoder().encode('{"type":"é"}');
    expect(textOf('abc')).toBe('abc');
    expect(textOf(bytes)).toBe('{"type":"é"}');
    expect(textOf(bytes.buffer)).toBe('{"type":"é"}');
    // The split falls inside the two bytes of "é".
    expect(textOf([bytes.subarray(0, 10), bytes.subarray(10)])).toBe('{"type":"é"}');
    expect(textOf(42)).toBeUndefined();
  });
});
