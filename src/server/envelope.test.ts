import { describe, expect, it } from 'vitest';
import { buildEnvelope, buildErrorEnvelope } from './envelope.js';

describe('buildErrorEnvelope', () => {
  it('adds an ISO timestamp, request_id and retry_after_ms in meta', () => {
    const envelope = buildErrorEnvelope(4005, 'slow down', {
      requestId: 'r1',
      retryAfterMs: 3000,
      timestamp: new Date('2025-08-04T12:00:00Z'),
    });
    expect(envelope).toEqual({
      type: 'error',
      data: { code: 4005, message: 'slow down' },
      meta: { timestamp: '2025-08-04T12:00:00.000Z', request_id: 'r1', retry_after_ms: 3000 },
    });
  });

  it('stamps the current time by default and leaves absent fields out', () => {
    const envelope = buildErrorEnvelope(4000, 'bad');
    expect(Object.keys(envelope.meta ?? {})).toEqual(['timestamp']);
    expect(Number.isNaN(Date.parse(envelope.meta?.timestamp ?? ''))).toBe(false);
  });

  it('clamps a negative retry hint to 0 (the protocol requires a non-negative number)', () => {
    expect(buildErrorEnvelope(4005, 'x', { retryAfterMs: -5 }).meta?.retry_after_ms).toBe(0);
  });
});

describe('buildEnvelope', () => {
  it('omits meta when none is given', () => {
    expect(buildEnvelope('pong', undefined)).toEqual({ type: 'pong', data: undefined });
    expect('meta' in buildEnvelope('chat', {})).toBe(false);
    expect(buildEnvelope('chat', { text: 'hi' }, { request_id: 'a' }).meta).toEqual({
      request_id: 'a',
    });
  });
});
