/** The port checker on both sides: every kind accepted whole, every malformed one refused. */
import { describe, expect, it } from 'vitest';
import { IDLE } from '../core/machine.js';
import { classify } from '../protocol/classify.js';
import { readTabMessage } from './tab-messages.js';
import { readWorkerMessage } from './wire.js';

const fault = classify({ source: 'client', code: 'queue_overflow' }, { id: 'f1', now: 0 });
const open = { ...IDLE, status: 'open', openedAt: 5 };

describe('readTabMessage', () => {
  it.each([
    ['hello', { v: 1, t: 'hello', key: 'k', options: {}, visible: true, online: false }],
    ['send', { v: 1, t: 'send', id: 0, type: 'chat', data: { a: 1 } }],
    ['send with meta', { v: 1, t: 'send', id: 3, type: 'chat', data: null, meta: { x: 1 } }],
    ['request', { v: 1, t: 'request', id: 1, type: 'get', data: 1, timeoutMs: 500 }],
    ['request, no timeout', { v: 1, t: 'request', id: 1, type: 'get', data: 1, timeoutMs: null }],
    ['abort', { v: 1, t: 'abort', id: 4 }],
    ['reconnect', { v: 1, t: 'reconnect' }],
    ['bye', { v: 1, t: 'bye' }],
    ['pong', { v: 1, t: 'pong', n: 9 }],
    ['conditions', { v: 1, t: 'conditions', visible: false, online: true }],
    ['answer', { v: 1, t: 'answer', q: 2, value: 'wss://x' }],
    ['failed answer', { v: 1, t: 'answer', q: 2, error: 'boom', unauthorized: true }],
  ])('accepts %s', (_name, message) => {
    expect(readTabMessage(message)).toEqual({ ok: true, message });
  });

  it.each([
    ['not an object', 'hello', /not an object/],
    ['an array', [1], /not an object/],
    ['null', null, /not an object/],
    ['no version', { t: 'bye' }, /version undefined/],
    ['another version', { v: 2, t: 'bye' }, /version 2/],
    ['an unknown kind', { v: 1, t: 'steal' }, /unknown kind steal/],
    ['a kind from the prototype', { v: 1, t: 'toString' }, /unknown kind/],
    ['a hello without key', { v: 1, t: 'hello', options: {}, visible: true, online: true }, /key/],
    [
      'a hello with options null',
      { v: 1, t: 'hello', key: 'k', options: null, visible: true, online: true },
      /options/,
    ],
    ['a hello without conditions', { v: 1, t: 'hello', key: 'k', options: {} }, /visible/],
    ['a send with a negative id', { v: 1, t: 'send', id: -1, type: 'x', data: 1 }, /id/],
    ['a send with a fractional id', { v: 1, t: 'send', id: 1.5, type: 'x', data: 1 }, /id/],
    ['a send with a string id', { v: 1, t: 'send', id: '1', type: 'x', data: 1 }, /id/],
    ['a send with an empty type', { v: 1, t: 'send', id: 1, type: '', data: 1 }, /type/],
    [
      'a send with meta a string',
      { v: 1, t: 'send', id: 1, type: 'x', data: 1, meta: 'm' },
      /meta/,
    ],
    [
      'a request with timeout 0',
      { v: 1, t: 'request', id: 1, type: 'x', data: 1, timeoutMs: 0 },
      /timeoutMs/,
    ],
    [
      'a request with timeout NaN',
      { v: 1, t: 'request', id: 1, type: 'x', data: 1, timeoutMs: Number.NaN },
      /timeoutMs/,
    ],
    [
      'a request with timeout 2^31',
      { v: 1, t: 'request', id: 1, type: 'x', data: 1, timeoutMs: 2 ** 31 },
      /timeoutMs/,
    ],
    [
      'a request with retry "yes"',
      { v: 1, t: 'request', id: 1, type: 'x', data: 1, retryOnReconnect: 'yes' },
      /retryOnReconnect/,
    ],
    ['an abort without id', { v: 1, t: 'abort' }, /id/],
    ['a pong without number', { v: 1, t: 'pong' }, /^pong\.n$/],
    ['conditions half given', { v: 1, t: 'conditions', visible: true }, /^conditions\.online$/],
    ['an answer without q', { v: 1, t: 'answer', value: 1 }, /^answer\.q$/],
    [
      'a failed answer without its flag',
      { v: 1, t: 'answer', q: 1, error: 'x' },
      /^answer\.unauthorized$/,
    ],
  ])('refuses %s', (_name, message, problem) => {
    const read = readTabMessage(message);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });
});

describe('readWorkerMessage', () => {
  it.each([
    ['welcome', { v: 1, t: 'welcome', snapshot: IDLE, pingMs: 5000 }],
    ['snapshot', { v: 1, t: 'snapshot', snapshot: open }],
    [
      'failed snapshot',
      { v: 1, t: 'snapshot', snapshot: { ...IDLE, status: 'failed', fault, lastFault: fault } },
    ],
    [
      'paused retry',
      { v: 1, t: 'snapshot', snapshot: { ...IDLE, status: 'reconnecting', nextRetryAt: null } },
    ],
    ['refused', { v: 1, t: 'refused', fault }],
    ['message', { v: 1, t: 'message', envelope: { type: 'chat', data: 1 } }],
    ['reply', { v: 1, t: 'message', envelope: { type: 'r', meta: { request_id: 'a' } }, reply: 3 }],
    ['fault', { v: 1, t: 'fault', fault, context: { origin: 'o' } }],
    ['resolve', { v: 1, t: 'resolve', origin: 'o' }],
    ['dismiss', { v: 1, t: 'dismiss', id: 'f1' }],
    ['sent', { v: 1, t: 'sent', id: 1 }],
    ['sent, failed', { v: 1, t: 'sent', id: 1, fault }],
    ['sent, acknowledged', { v: 1, t: 'sent', id: 1, delivered: 'acknowledged' }],
    ['sent, unconfirmed', { v: 1, t: 'sent', id: 1, delivered: 'unconfirmed' }],
    ['failed', { v: 1, t: 'failed', id: 1, fault }],
    ['ask', { v: 1, t: 'ask', q: 1, what: 'refreshAuth' }],
    [
      'ask backoff',
      {
        v: 1,
        t: 'ask',
        q: 2,
        what: 'backoff',
        input: { attempt: 1, fault, hintMs: 0, random: 0.5 },
      },
    ],
    ['ping', { v: 1, t: 'ping', n: 1 }],
    ['dropped', { v: 1, t: 'dropped' }],
  ])('accepts %s', (_name, message) => {
    expect(readWorkerMessage(message)).toEqual({ ok: true, message });
  });

  it.each([
    [
      'a snapshot of an unknown status',
      { v: 1, t: 'snapshot', snapshot: { ...IDLE, status: 'gone' } },
      /status/,
    ],
    [
      'an open snapshot without openedAt',
      { v: 1, t: 'snapshot', snapshot: { ...IDLE, status: 'open' } },
      /openedAt/,
    ],
    [
      'a failed snapshot without fault',
      { v: 1, t: 'snapshot', snapshot: { ...IDLE, status: 'failed' } },
      /fault/,
    ],
    [
      'a snapshot with attempt -1',
      { v: 1, t: 'welcome', snapshot: { ...IDLE, attempt: -1 } },
      /attempt/,
    ],
    [
      'a snapshot with a bad last fault',
      { v: 1, t: 'welcome', snapshot: { ...IDLE, lastFault: {} } },
      /^welcome\.snapshot\.lastFault\.id$/,
    ],
    ['a fault without id', { v: 1, t: 'fault', fault: { ...fault, id: '' }, context: {} }, /id/],
    [
      'a fault of another source',
      { v: 1, t: 'fault', fault: { ...fault, source: 'x' }, context: {} },
      /source/,
    ],
    [
      'a fault with a numeric request id',
      { v: 1, t: 'fault', fault: { ...fault, requestId: 1 }, context: {} },
      /^fault\.fault\.requestId$/,
    ],
    ['a fault without context', { v: 1, t: 'fault', fault }, /context/],
    ['a message without an envelope', { v: 1, t: 'message' }, /envelope/],
    ['an envelope with an empty type', { v: 1, t: 'message', envelope: { type: '' } }, /type/],
    [
      'an envelope with meta a list',
      { v: 1, t: 'message', envelope: { type: 'a', meta: [] } },
      /meta/,
    ],
    ['a reply to -1', { v: 1, t: 'message', envelope: { type: 'a' }, reply: -1 }, /reply/],
    ['a question of another option', { v: 1, t: 'ask', q: 1, what: 'schemas' }, /^ask\.what$/],
    [
      'a backoff question with attempt -1',
      {
        v: 1,
        t: 'ask',
        q: 1,
        what: 'backoff',
        input: { attempt: -1, fault, hintMs: 0, random: 0 },
      },
      /^ask\.input\.attempt$/,
    ],
    [
      'a backoff question with a bad fault',
      {
        v: 1,
        t: 'ask',
        q: 1,
        what: 'backoff',
        input: { attempt: 1, fault: {}, hintMs: 0, random: 0 },
      },
      /^ask\.input\.fault\.id$/,
    ],
    [
      'a backoff question without its draw',
      { v: 1, t: 'ask', q: 1, what: 'backoff', input: { attempt: 1, fault, hintMs: 0 } },
      /^ask\.input\.random$/,
    ],
    [
      'a backoff question with input a list',
      { v: 1, t: 'ask', q: 1, what: 'url', input: [] },
      /^ask\.input$/,
    ],
    ['a sent with a bad fault', { v: 1, t: 'sent', id: 1, fault: { id: 'x' } }, /fault/],
    ['a receipt no delivery gives', { v: 1, t: 'sent', id: 1, delivered: 'written' }, /delivered/],
    ['a failed without fault', { v: 1, t: 'failed', id: 1 }, /fault/],
    ['a dismiss without id', { v: 1, t: 'dismiss' }, /id/],
    ['a tab message', { v: 1, t: 'bye' }, /unknown kind/],
    ['a welcome without pingMs', { v: 1, t: 'welcome', snapshot: IDLE }, /pingMs/],
    ['a welcome with pingMs 5', { v: 1, t: 'welcome', snapshot: IDLE, pingMs: 5 }, /pingMs/],
    [
      'a welcome with pingMs above 60 s',
      { v: 1, t: 'welcome', snapshot: IDLE, pingMs: 60_001 },
      /pingMs/,
    ],
    [
      'a welcome with pingMs "5000"',
      { v: 1, t: 'welcome', snapshot: IDLE, pingMs: '5000' },
      /pingMs/,
    ],
  ])('refuses %s', (_name, message, problem) => {
    const read = readWorkerMessage(message);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });
});
