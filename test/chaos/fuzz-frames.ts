/**
 * Hostile frames for the fuzz test, each built to be a fault: random bytes as binary, random text,
 * broken JSON, JSON of the wrong shape, frames over the size limit, deep nesting, `__proto__` keys,
 * and valid error envelopes whose text carries a token and a stack trace. None is a valid
 * non-error envelope, so every frame must give exactly one recoverable fault.
 */
import type { Random } from './random.js';

export interface FuzzFrame {
  readonly kind: string;
  readonly data: string | Buffer;
}

export const SECRET = 'token=SECRET123';
const STACK =
  'Error: boom\n    at handler (/srv/app/server.js:42:13)\n    at process.tick (node:internal/process:1:1)';

const VALID = JSON.stringify({
  type: 'chat',
  data: { text: `hi ${SECRET}` },
  meta: { request_id: 'r1' },
});

const WRONG_SHAPES = [
  'null',
  '[]',
  '42',
  '"text"',
  'true',
  '{}',
  '{"type":5}',
  '{"type":""}',
  '{"type":null}',
  '{"type":["chat"]}',
  '{"data":{"text":"no type"}}',
  '{"type":"chat","meta":5}',
  '{"type":"chat","meta":{"request_id":5}}',
  '{"type":"chat","meta":{"timestamp":{}}}',
  '{"type":"chat","meta":{"retry_after_ms":-1}}',
  '{"type":"error"}',
  '{"type":"error","data":5}',
  '{"type":"error","data":{"code":"4000","message":"x"}}',
  '{"type":"error","data":{"code":4000}}',
  '{"type":"error","data":{"code":1e999,"message":"x"}}',
  `{"type":"error","data":{"code":4000,"message":{"text":"${SECRET}"}}}`,
];

const BROKEN = [
  '{"type":"chat",}',
  "{'type':'chat'}",
  '{"type":"chat","data":NaN}',
  '{"type":"chat"}}',
  '{"type":"chat" "data":1}',
  `{"type":"chat","data":"${SECRET}`,
  `${SECRET} is not json`,
  '\u0000\u0001{"type":"chat"}',
  '',
];

const PROTO = [
  '{"type":"chat","data":{"__proto__":{"polluted":true}}}',
  '{"__proto__":{"type":"chat"},"type":"chat"}',
  '{"type":"chat","meta":{"__proto__":{"request_id":"x"}}}',
  '{"type":"chat","data":{"\\u005f_proto__":{"polluted":true}}}',
  '{"type":"chat","data":[{"a":{"__proto__":{"polluted":true}}}]}',
];

/** Codes whose error envelopes are recoverable by default (4003/4004 are fatal by design). */
const SAFE_CODES = [4000, 4001, 4002, 4005, 5000, 4999, 1234] as const;

function randomText(random: Random, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const range = random.int(0, 3);
    const code =
      range === 0
        ? random.int(0x20, 0x7e)
        : range === 1
          ? random.int(0xa0, 0x7ff)
          : range === 2
            ? random.int(0x4e00, 0x9fff)
            : random.int(0x1f300, 0x1faff);
    text += String.fromCodePoint(code);
  }
  return text;
}

function deep(random: Random): string {
  const depth = random.chance(0.1) ? random.int(5000, 30_000) : random.int(65, 500);
  return random.chance(0.5)
    ? `{"type":"chat","data":${'['.repeat(depth)}${']'.repeat(depth)}}`
    : `{"type":"chat","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

/** One hostile frame; `maxFrameChars` is the client's limit (huge frames go just past it). */
export function fuzzFrame(random: Random, maxFrameChars: number): FuzzFrame {
  const roll = random.next();
  if (roll < 0.12) {
    const bytes = Buffer.alloc(random.int(1, 512));
    for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
    return { kind: 'binary', data: bytes };
  }
  if (roll < 0.24) return { kind: 'random text', data: randomText(random, random.int(0, 200)) };
  if (roll < 0.4) {
    const data = random.chance(0.5)
      ? random.pick(BROKEN)
      : VALID.slice(0, random.int(1, VALID.length - 1));
    return { kind: 'broken JSON', data };
  }
  if (roll < 0.58) return { kind: 'wrong types', data: random.pick(WRONG_SHAPES) };
  if (roll < 0.6) {
    const filler = 'x'.repeat(maxFrameChars + random.int(1, 4096));
    return { kind: 'huge', data: JSON.stringify({ type: 'chat', data: `${SECRET} ${filler}` }) };
  }
  if (roll < 0.7) return { kind: 'deep', data: deep(random) };
  if (roll < 0.8) return { kind: '__proto__', data: random.pick(PROTO) };
  const code = random.pick(SAFE_CODES);
  const message = random.pick([
    `${STACK}`,
    `bad input, ${SECRET}`,
    `${SECRET}\n${STACK}`,
    'x'.repeat(5000),
  ]);
  return {
    kind: 'error envelope',
    data: JSON.stringify({ type: 'error', data: { code, message }, meta: { retry_after_ms: 10 } }),
  };
}
