import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Envelope,
  hasEnvelopeShape,
  isErrorEnvelope,
  type ParseResult,
  parseFrame,
} from './envelope.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function rejected(result: ParseResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.envelope)}`);
  return result;
}

describe('parseFrame accepts valid envelopes', () => {
  it.each([
    ['a minimal envelope without data', '{"type":"pong"}', { type: 'pong' }],
    [
      'data of any JSON kind',
      '{"type":"n","data":[1,"a",null]}',
      { type: 'n', data: [1, 'a', null] },
    ],
    [
      'meta with every known key and unknown keys kept',
      '{"type":"t","data":1,"meta":{"request_id":"r","timestamp":"2025-08-04T12:00:00Z","retry_after_ms":0,"x":1}}',
      {
        type: 't',
        data: 1,
        meta: { request_id: 'r', timestamp: '2025-08-04T12:00:00Z', retry_after_ms: 0, x: 1 },
      },
    ],
    ['unknown top-level keys kept', '{"type":"t","v":2}', { type: 't', v: 2 }],
    [
      'an error envelope with extra data fields',
      '{"type":"error","data":{"code":4001,"message":"no room","room":"a"}}',
      { type: 'error', data: { code: 4001, message: 'no room', room: 'a' } },
    ],
  ])('accepts %s', (_, raw, expected) => {
    const result = parseFrame(raw);
    expect(result).toEqual({ ok: true, envelope: expected });
  });

  it('leaves data undefined when the frame has none', () => {
    const result = parseFrame('{"type":"pong"}');
    expect(result.ok && result.envelope.data).toBeUndefined();
  });

  it('returns the object JSON.parse built, not a copy', () => {
    const spy = vi.spyOn(JSON, 'parse');
    const result = parseFrame('{"type":"chat","data":{"text":"hi"}}');
    expect(result.ok && result.envelope).toBe(spy.mock.results[0]?.value);
  });
});

describe('parseFrame refuses what is not a JSON text frame (invalid_frame)', () => {
  it.each([
    ['an ArrayBuffer', new ArrayBuffer(8), 'ArrayBuffer'],
    ['a Uint8Array', new Uint8Array([123, 125]), 'Uint8Array'],
    ['a Node Buffer', Buffer.from('{"type":"x"}'), 'Buffer'],
    ['a Blob', new Blob(['{"type":"x"}']), 'Blob'],
    ['a number', 42, 'number'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a plain object', { type: 'x' }, 'Object'],
    ['an object without prototype', Object.create(null), 'object'],
    ['a symbol', Symbol('x'), 'symbol'],
    ['a bigint', 10n, 'bigint'],
  ])('refuses %s as not text', (_, raw, name) => {
    expect(rejected(parseFrame(raw))).toEqual({
      ok: false,
      code: 'invalid_frame',
      cause: `not text: ${name}`,
    });
  });

  it('refuses a 50 MB frame by its length, without calling JSON.parse', () => {
    const spy = vi.spyOn(JSON, 'parse');
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const started = performance.now();
    const result = rejected(parseFrame(huge));
    expect(performance.now() - started).toBeLessThan(50);
    expect(spy).not.toHaveBeenCalled();
    expect(result).toEqual({
      ok: false,
      code: 'invalid_frame',
      cause: 'frame of 52428800 chars exceeds 1048576',
    });
  });

  it('accepts a frame of exactly maxFrameChars and refuses one char more', () => {
    const raw = '{"type":"t"}';
    expect(parseFrame(raw, { maxFrameChars: raw.length }).ok).toBe(true);
    expect(rejected(parseFrame(`${raw} `, { maxFrameChars: raw.length })).code).toBe(
      'invalid_frame',
    );
  });

  it('refuses invalid JSON with a capped cause that does not echo a long input', () => {
    const result = rejected(parseFrame(`{"type":${'y'.repeat(10_000)}`));
    expect(result.code).toBe('invalid_frame');
    expect(result.cause.startsWith('invalid JSON: ')).toBe(true);
    expect(result.cause.length).toBeLessThanOrEqual(120);
  });

  it('refuses 100k-deep nested arrays without a stack overflow', () => {
    const deep = `${'['.repeat(1e5)}${']'.repeat(1e5)}`;
    expect(rejected(parseFrame(deep))).toEqual({
      ok: false,
      code: 'invalid_frame',
      cause: 'nested deeper than 64',
    });
  });

  it('refuses 100k-deep nested objects inside a valid envelope', () => {
    const deep = `{"type":"t","data":${'{"a":'.repeat(1e5)}1${'}'.repeat(1e5)}}`;
    expect(rejected(parseFrame(deep)).cause).toBe('nested deeper than 64');
  });

  it('accepts nesting of exactly maxDepth and refuses one level more', () => {
    const nested = (levels: number) =>
      `{"type":"t","data":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(parseFrame(nested(64)).ok).toBe(true);
    expect(rejected(parseFrame(nested(65))).code).toBe('invalid_frame');
    expect(parseFrame(nested(10), { maxDepth: 10 }).ok).toBe(true);
    expect(rejected(parseFrame(nested(11), { maxDepth: 10 })).cause).toBe('nested deeper than 10');
  });

  it('refuses nesting that comes after many siblings, however many openers precede it', () => {
    // The count of openers lets the scan stop early only when it is exact: past its cap (4 times
    // maxDepth) the scan reads on, so a deep tail after 300 small objects is still found.
    const tail = (siblings: number, levels: number) =>
      `{"type":"t","data":[${'{"a":1},'.repeat(siblings)}${'['.repeat(levels)}${']'.repeat(levels)}]}`;
    for (const siblings of [10, 60, 200, 255, 256, 300, 1000]) {
      expect(parseFrame(tail(siblings, 62)).ok).toBe(true);
      expect(rejected(parseFrame(tail(siblings, 63))).cause).toBe('nested deeper than 64');
    }
  });

  it('checks depth on the text before JSON.parse: a frame nested 400,000 deep is never parsed', () => {
    const spy = vi.spyOn(JSON, 'parse');
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    expect(rejected(parseFrame(deep)).cause).toBe('nested deeper than 64');
    const inEnvelope = `{"type":"t","data":${'{"a":'.repeat(1e5)}1${'}'.repeat(1e5)}}`;
    expect(rejected(parseFrame(inEnvelope)).cause).toBe('nested deeper than 64');
    expect(spy).not.toHaveBeenCalled();
  });

  it('does not count brackets inside strings as nesting', () => {
    const raw = JSON.stringify({ type: 't', data: '['.repeat(500) + '{'.repeat(500) });
    expect(parseFrame(raw).ok).toBe(true);
  });
});

describe('parseFrame refuses JSON that is not an envelope (invalid_envelope)', () => {
  it.each([
    ['an array', '[{"type":"t"}]', 'not an object: array'],
    ['null', 'null', 'not an object: null'],
    ['a number', '42', 'not an object: number'],
    ['a string', '"t"', 'not an object: string'],
    ['a missing type', '{"data":1}', 'missing type'],
    ['a numeric type', '{"type":1}', 'type is not a string'],
    ['a null type', '{"type":null}', 'type is not a string'],
    ['an empty type', '{"type":""}', 'empty type'],
    ['a null meta', '{"type":"t","meta":null}', 'meta is not an object'],
    ['an array meta', '{"type":"t","meta":[]}', 'meta is not an object'],
    ['a string meta', '{"type":"t","meta":"m"}', 'meta is not an object'],
    [
      'a numeric request_id',
      '{"type":"t","meta":{"request_id":1}}',
      'meta.request_id is not a string',
    ],
    [
      'a numeric timestamp',
      '{"type":"t","meta":{"timestamp":1}}',
      'meta.timestamp is not a string',
    ],
    [
      'a negative retry_after_ms',
      '{"type":"t","meta":{"retry_after_ms":-1}}',
      'meta.retry_after_ms is not a finite number >= 0',
    ],
    [
      'an infinite retry_after_ms',
      '{"type":"t","meta":{"retry_after_ms":1e999}}',
      'meta.retry_after_ms is not a finite number >= 0',
    ],
    [
      'a string retry_after_ms',
      '{"type":"t","meta":{"retry_after_ms":"5"}}',
      'meta.retry_after_ms is not a finite number >= 0',
    ],
    ['an error without data', '{"type":"error"}', 'error data is not an object'],
    ['an error with array data', '{"type":"error","data":[]}', 'error data is not an object'],
    [
      'an error with a string code',
      '{"type":"error","data":{"code":"4001","message":"m"}}',
      'error data.code is not a finite number',
    ],
    [
      'an error with an infinite code',
      '{"type":"error","data":{"code":1e999,"message":"m"}}',
      'error data.code is not a finite number',
    ],
    [
      'an error without message',
      '{"type":"error","data":{"code":4001}}',
      'error data.message is not a string',
    ],
  ])('refuses %s', (_, raw, cause) => {
    expect(rejected(parseFrame(raw))).toEqual({ ok: false, code: 'invalid_envelope', cause });
  });
});

describe('isErrorEnvelope', () => {
  it('is true only for an "error" envelope whose data has a numeric code and a string message', () => {
    const error: Envelope = { type: 'error', data: { code: 4001, message: 'm' } };
    expect(isErrorEnvelope(error)).toBe(true);
    expect(isErrorEnvelope({ type: 'chat', data: { code: 4001, message: 'm' } })).toBe(false);
    expect(isErrorEnvelope({ type: 'error', data: { message: 'm' } })).toBe(false);
  });
});

describe('hasEnvelopeShape', () => {
  it('accepts a plain object with a non-empty string type, whatever its meta or data', () => {
    expect(hasEnvelopeShape({ type: 'chat' })).toBe(true);
    expect(hasEnvelopeShape({ type: 'error', data: 'not an object', meta: 5 })).toBe(true);
  });

  it('refuses what parseFrame refuses for its shape: non-objects, arrays, a missing or empty type', () => {
    for (const value of [null, [], 'chat', 1, {}, { type: '' }, { type: 1 }, { data: {} }]) {
      expect(hasEnvelopeShape(value)).toBe(false);
      expect(parseFrame(JSON.stringify(value)).ok).toBe(false);
    }
  });
});
