import { describe, expect, it } from 'vitest';
import { close, ctx, envelope } from '../../test/support/classify-inputs.js';
import { classify, type FaultInput } from './classify.js';
import { englishTexts } from './english.js';

describe('classify: user messages', () => {
  it('shows the server text of 4000-4005 and other app codes, trimmed and cleaned', () => {
    expect(classify(envelope(4001, '  Room\u0000 not\n found  '), ctx).message).toBe(
      'Room not found',
    );
    expect(classify(envelope(4242, 'Quota used up'), ctx).message).toBe('Quota used up');
  });

  it('shows a generic text for 5000 and keeps the server text in detail only', () => {
    const fault = classify(envelope(5000, 'db down on replica-3'), ctx);
    expect(fault.message).toBe('Something went wrong. Please try again.');
    expect(fault.detail.serverMessage).toBe('db down on replica-3');
  });

  it('never shows a stack trace, but keeps it (redacted) in detail', () => {
    const trace = `TypeError: x token=abc\n    at join (/srv/room.js:1:2)`;
    const fault = classify(envelope(4000, trace), ctx);
    expect(fault.message).toBe('The request failed.');
    expect(fault.detail.serverMessage).toBe(
      'TypeError: x token=[redacted]\n    at join (/srv/room.js:1:2)',
    );
  });

  it('shows a generic text for over-long server text and caps it in detail at 2000 chars', () => {
    const fault = classify(envelope(4002, 'y'.repeat(10_000)), ctx);
    expect(fault.message).toBe('The request failed.');
    expect(fault.detail.serverMessage).toHaveLength(2000);
    const short = englishTexts({ maxLength: 40 });
    expect(classify(envelope(4002, 'y'.repeat(50)), { ...ctx, messages: short }).message).toBe(
      'The request failed.',
    );
  });

  it('shows a generic text when the server message is not a string', () => {
    const fault = classify(envelope(4001, { text: 'x' }), ctx);
    expect(fault.message).toBe('The request failed.');
    expect(fault.detail).not.toHaveProperty('serverMessage');
  });

  it.each([
    [close(1008), 'The server refused the connection.'],
    [close(4003), 'Your session has expired. Please sign in again.'],
    [close(3000), 'Your session has expired. Please sign in again.'],
    [close(4004), 'You do not have permission to do this.'],
    [close(3003), 'You do not have permission to do this.'],
    [close(1006, 'Room closed'), 'Connection lost. Reconnecting…'],
    [close(1011, 'NullPointerException'), 'Connection lost. Reconnecting…'],
    [close(1013), 'The server is busy. Retrying shortly…'],
    [{ source: 'transport', code: 'offline' }, 'You are offline. Reconnecting…'],
    [{ source: 'client', code: 'queue_overflow' }, 'Too many messages. Please try again.'],
    [{ source: 'client', code: 'unauthorized' }, 'Your session has expired. Please sign in again.'],
  ] as Array<[FaultInput, string]>)('shows a generic text for %o', (input, text) => {
    expect(classify(input, ctx).message).toBe(text);
  });

  it("uses the app's message function first, and keeps the default when it returns undefined or throws", () => {
    const messages = (fault: { code: unknown }) =>
      fault.code === 4001 ? 'Salle introuvable' : undefined;
    expect(classify(envelope(4001, 'Room not found'), { ...ctx, messages }).message).toBe(
      'Salle introuvable',
    );
    // The app's function replaces englishTexts(): without it the server's text is not shown.
    expect(classify(envelope(4002, 'Closed'), { ...ctx, messages }).message).toBe(
      'The request failed.',
    );
    const throwing = () => {
      throw new Error('i18n not loaded');
    };
    expect(classify(close(1006), { ...ctx, messages: throwing }).message).toBe(
      'Connection lost. Reconnecting…',
    );
  });

  it("uses the app's message record by numeric or named code", () => {
    const messages = { 1006: 'Verbindung verloren', offline: 'Offline', constructor: 'x' };
    expect(classify(close(1006), { ...ctx, messages }).message).toBe('Verbindung verloren');
    expect(classify({ source: 'transport', code: 'offline' }, { ...ctx, messages }).message).toBe(
      'Offline',
    );
    expect(classify(close(1001), { ...ctx, messages }).message).toBe(
      'Connection lost. Reconnecting…',
    );
  });
});
