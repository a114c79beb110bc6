import { describe, expect, it } from 'vitest';
import { close, ctx, envelope, JWT } from '../../test/support/classify-inputs.js';
import { classify, type FaultInput, mergeErrorThenClose } from './classify.js';
import { englishTexts } from './english.js';
import type { CloseFault, EnvelopeFault } from './fault.js';

describe('classify: requestId, retryAfterMs and detail', () => {
  it('keeps the requestId and a valid retry hint of an error envelope', () => {
    const fault = classify(envelope(4005, 'slow', { requestId: 'r1', retryAfterMs: 500 }), ctx);
    expect(fault).toMatchObject({ requestId: 'r1', retryAfterMs: 500 });
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('drops a retry hint of %s', (ms) => {
    expect(classify(envelope(4005, 'slow', { retryAfterMs: ms }), ctx)).not.toHaveProperty(
      'retryAfterMs',
    );
  });

  it('keeps the requestId of a client fault and the redacted cause in detail', () => {
    const fault = classify(
      { source: 'client', code: 'request_timeout', requestId: 'r9', cause: 'after 10000 ms' },
      ctx,
    );
    expect(fault).toMatchObject({ requestId: 'r9', detail: { cause: 'after 10000 ms' } });
  });

  it('records close code, redacted reason and wasClean in the detail of a close', () => {
    const fault = classify(
      { ...close(4003, `expired ${JWT}`), wasClean: false } as FaultInput,
      ctx,
    );
    expect(fault.detail).toEqual({
      closeCode: 4003,
      closeReason: 'expired [redacted]',
      wasClean: false,
    });
  });

  it('puts the connection URL in detail without its query string or credentials', () => {
    const fault = classify(
      { source: 'transport', code: 'network_lost' },
      { ...ctx, url: 'wss://user:pw@chat.example.com/ws?token=secret#x' },
    );
    expect(fault.detail.url).toBe('wss://[redacted]@chat.example.com/ws?[redacted]');
  });
});

describe('classify: overrides replace severity and/or action of the matched row', () => {
  const overrides = {
    envelope: { 4004: { action: 'stop' as const }, 5000: { severity: 'fatal' as const } },
    close: {
      1000: { action: 'none' as const },
      4001: { severity: 'recoverable' as const, action: 'reconnect' as const },
    },
    transport: { offline: { action: 'none' as const } },
    client: { request_timeout: { severity: 'fatal' as const } },
  };
  it.each([
    [envelope(4004, 'no'), 'fatal', 'stop'],
    [envelope(5000, 'x'), 'fatal', 'none'],
    [envelope(4003, 'x'), 'fatal', 'reauthenticate'],
    [close(1000), 'recoverable', 'none'],
    [close(4001), 'recoverable', 'reconnect'],
    [{ ...close(1000), requested: true }, 'recoverable', 'none'],
    [{ ...close(4001), requested: true }, 'recoverable', 'none'],
    [{ source: 'transport', code: 'offline' }, 'recoverable', 'none'],
    [{ source: 'transport', code: 'network_lost' }, 'recoverable', 'reconnect'],
    [{ source: 'client', code: 'request_timeout' }, 'fatal', 'none'],
  ] as Array<[FaultInput, string, string]>)('%o becomes %s/%s', (input, severity, action) => {
    const fault = classify(input, { ...ctx, overrides });
    expect([fault.severity, fault.action]).toEqual([severity, action]);
  });

  it('words the generic text after the overridden action', () => {
    expect(
      classify(close(1006), { ...ctx, overrides: { close: { 1006: { action: 'stop' } } } }).message,
    ).toBe('Connection closed.');
  });
});

describe('mergeErrorThenClose: an error envelope then a close is one fault', () => {
  const error = classify(envelope(4003, 'Token expired', { requestId: 'r1', retryAfterMs: 100 }), {
    id: 'e1',
    now: 5,
    url: 'wss://h/ws?token=x',
    messages: englishTexts(),
  }) as EnvelopeFault;
  const closed = classify(close(4003, `bye token=${JWT}`), { id: 'c1', now: 6 }) as CloseFault;

  it("keeps the envelope's id, code, message, requestId and timestamp; takes the close's severity and action", () => {
    const limited = classify(envelope(4005, 'Slow down', { requestId: 'r1', retryAfterMs: 100 }), {
      id: 'e1',
      now: 5,
      messages: englishTexts(),
    }) as EnvelopeFault;
    const merged = mergeErrorThenClose(limited, {
      ...(classify(close(1013, 'later'), { id: 'c1', now: 6 }) as CloseFault),
      severity: 'fatal',
      action: 'stop',
    });
    expect(merged).toMatchObject({
      id: 'e1',
      source: 'envelope',
      code: 4005,
      message: 'Slow down',
      requestId: 'r1',
      timestamp: 5,
      kind: 'connection',
      severity: 'fatal',
      action: 'stop',
    });
  });

  it('error 4003 then a generic policy close 1008 stays reauthenticate (stop skipped the refresh and the redirect)', () => {
    const policy = classify(close(1008, 'policy'), { id: 'c2', now: 6 }) as CloseFault;
    expect(policy.action).toBe('stop');
    expect(mergeErrorThenClose(error, policy)).toMatchObject({
      code: 4003,
      severity: 'fatal',
      action: 'reauthenticate',
      detail: { closeCode: 1008 },
    });
  });

  it('adds closeCode, the closeReason (redacted once, by classify) and wasClean to the detail', () => {
    const merged = mergeErrorThenClose(
      error,
      classify(close(4003, `x ${JWT}`), { id: 'c1', now: 6 }) as CloseFault,
    );
    expect(merged.detail).toEqual({
      url: 'wss://h/ws?[redacted]',
      serverMessage: 'Token expired',
      closeCode: 4003,
      closeReason: 'x [redacted]',
      wasClean: true,
    });
  });

  it('keeps the larger retry hint of both', () => {
    expect(mergeErrorThenClose(error, { ...closed, retryAfterMs: 900 }).retryAfterMs).toBe(900);
    expect(mergeErrorThenClose(error, closed).retryAfterMs).toBe(100);
    const noHint = { ...error };
    delete (noHint as { retryAfterMs?: number }).retryAfterMs;
    expect(mergeErrorThenClose(noHint, closed)).not.toHaveProperty('retryAfterMs');
  });
});

describe('classify: no credential reaches message or detail', () => {
  it.each([
    ['a URL query token', 'Join wss://h.io/ws?token=SECRET1 failed', 'wss://h.io/ws?[redacted]'],
    ['a bearer token', 'Header Bearer SECRET1 rejected', 'Bearer [redacted]'],
    [
      'a JWT',
      `Token ${JWT.replace('c2lnbmF0dXJl', 'SECRET1')} expired`,
      'Token [redacted] expired',
    ],
    ['a password pair', 'Login with password=SECRET1 failed', 'password=[redacted]'],
    ['a JSON api key', 'Bad {"api_key": "SECRET1"}', '"api_key": "[redacted]'],
  ])('redacts %s in message, serverMessage, closeReason and cause', (_, text, shown) => {
    const fromEnvelope = classify(envelope(4000, text), ctx);
    const fromClose = classify(close(4000, text), ctx);
    const fromClient = classify({ source: 'client', code: 'invalid_frame', cause: text }, ctx);
    const all = JSON.stringify([fromEnvelope, fromClose, fromClient]);
    expect(all).not.toContain('SECRET1');
    expect(fromEnvelope.detail.serverMessage).toContain(shown);
    expect(fromClose.detail.closeReason).toContain(shown);
    expect(fromClient.detail.cause).toContain(shown);
  });
});
