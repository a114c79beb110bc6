import { describe, expect, it } from 'vitest';
import { classify, type FaultInput } from './classify.js';
import { englishTexts, safeServerText } from './english.js';
import type { FaultOverrides } from './fault-input.js';

const english = englishTexts();
const text = (input: FaultInput, overrides?: FaultOverrides) =>
  classify(input, { id: 'f', now: 0, messages: english, ...(overrides ? { overrides } : {}) })
    .message;
const close = (code: number, requested = false): FaultInput => ({
  source: 'close',
  code,
  reason: '',
  wasClean: true,
  requested,
});

describe('safeServerText keeps short plain text, cleaned', () => {
  it.each([
    ['trims and collapses whitespace', '   Room   not \n\n found  ', 'Room not found'],
    ['turns tabs and newlines into single spaces', 'Room\tis\nfull', 'Room is full'],
    ['strips C0 and C1 control characters', 'Ro\u0000om\u0007 is\u009b full\u007f', 'Room is full'],
    ['strips zero-width and bidi override characters', 'a\u200bb \u202eevil\u202c', 'ab evil'],
    ['keeps unicode prose', 'Salle «général» pleine ✓', 'Salle «général» pleine ✓'],
    ['keeps "Error:" prose', 'Error: the room is closed', 'Error: the room is closed'],
    ['keeps a sentence starting with "at"', 'at least 3 characters', 'at least 3 characters'],
    ['redacts a token pair', 'bad token=abc123 given', 'bad token=[redacted] given'],
    ['redacts a bearer credential', 'Bearer abc.def rejected', 'Bearer [redacted] rejected'],
    ['redacts a URL query', 'see wss://h.io/ws?token=x', 'see wss://h.io/ws?[redacted]'],
  ])('%s', (_, input, expected) => {
    expect(safeServerText(input)).toBe(expected);
  });

  it('accepts text of exactly maxLength and refuses one character more (no cut)', () => {
    expect(safeServerText('x'.repeat(200))).toBe('x'.repeat(200));
    expect(safeServerText('x'.repeat(201))).toBeUndefined();
    expect(safeServerText('abcdef', 5)).toBeUndefined();
    expect(safeServerText('abcde', 5)).toBe('abcde');
  });
});

describe('safeServerText returns undefined so the caller shows a generic text', () => {
  it.each([
    ['a non-string', 42],
    ['an empty string', ''],
    ['only whitespace and controls', ' \n\t\u0000 '],
    [
      'a JavaScript stack trace',
      'TypeError: x\n    at handler (/srv/app/room.js:12:5)\n    at next',
    ],
    ['a joined stack frame', 'boom at handle (server.js:10:3)'],
    ['a file:line reference', 'failed in room.ts:42'],
    ['a Java stack', 'Exception in thread "main" java.lang.IllegalStateException'],
    ['a Java frame', 'oops\n\tat com.acme.Room.join(Room.java:42)'],
    [
      'a Python traceback',
      'Traceback (most recent call last):\n  File "app.py", line 3, in <module>',
    ],
    ['a Python file line', 'File "x.py", line 3'],
    ['a Go panic', 'panic: runtime error\ngoroutine 1 [running]:'],
    ['a node_modules path', 'Error in /app/node_modules/ws/lib/x'],
    ['an absolute server path', 'cannot open /var/lib/app/db'],
    ['a Windows path', 'cannot open C:\\app\\db'],
    ['a runtime error name', 'ReferenceError: room is undefined'],
    ['a JS property error', "Cannot read properties of undefined (reading 'id')"],
    ['a PostgreSQL error', 'ERROR:  syntax error at or near "FROM"'],
    ['a constraint violation', 'duplicate key value violates unique constraint "users_pkey"'],
    ['a MySQL error', 'You have an error in your SQL syntax; check the manual'],
    ['an SQLSTATE', 'SQLSTATE[42S02]: Base table not found'],
    ['an HTML error page', '<!DOCTYPE html><html><body>502</body></html>'],
    ['markup', 'Room <b>full</b>'],
  ])('for %s', (_, input) => {
    expect(safeServerText(input)).toBeUndefined();
  });

  it('stays fast on adversarial whitespace (no quadratic pattern)', () => {
    const started = performance.now();
    safeServerText(`${'\n'.repeat(200_000)}x`);
    safeServerText(`${'a-'.repeat(100_000)}x`);
    safeServerText(' '.repeat(200_000));
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('generic texts follow the action, so an override never makes them lie', () => {
  it('says "Reconnecting…" only when the action reconnects or backs off', () => {
    expect(text(close(1006))).toBe('Connection lost. Reconnecting…');
    expect(text(close(1006), { close: { 1006: { action: 'stop' } } })).toBe('Connection closed.');
    const lost: FaultInput = { source: 'transport', code: 'network_lost' };
    expect(text(lost)).toBe('Connection lost. Reconnecting…');
    expect(text(lost, { transport: { network_lost: { action: 'stop' } } })).toBe(
      'Connection lost.',
    );
  });

  it('never blames the server for a close the client asked for', () => {
    expect(text(close(4000, true))).toBe('Connection closed.');
  });
});

describe('setup faults name the fix, since a developer sees them first', () => {
  it('no_websocket says to pass WebSocket from ws, or to use Node 22', () => {
    const message = text({ source: 'client', code: 'no_websocket' });
    expect(message).toMatch(/WebSocket from the ws package/);
    expect(message).toMatch(/Node 22/);
  });

  it('invalid_url names the schemes a WebSocket URL may have', () => {
    const message = text({ source: 'client', code: 'invalid_url' });
    expect(message).toMatch(/malformed/);
    for (const scheme of ['ws://', 'wss://', 'http://', 'https://']) {
      expect(message).toContain(scheme);
    }
  });
});

describe('without englishTexts(), one short text per action (what every bundle ships)', () => {
  const plain = (input: FaultInput) => classify(input, { id: 'f', now: 0 }).message;
  it.each([
    [close(1006), 'Connection lost. Reconnecting…'],
    [close(1013), 'The server is busy. Retrying shortly…'],
    [close(4003), 'Your session has expired. Please sign in again.'],
    [close(1008), 'The connection failed.'],
    [close(1000, true), 'Connection closed.'],
    [{ source: 'envelope', code: 4001, message: 'Room not found' }, 'The request failed.'],
    [{ source: 'transport', code: 'offline' }, 'You are offline.'],
    [{ source: 'client', code: 'request_timeout' }, 'Something went wrong.'],
    [{ source: 'client', code: 'resync' }, 'Some updates were missed. Refreshing…'],
  ] as Array<[FaultInput, string]>)('%o: %s', (input, expected) => {
    expect(plain(input)).toBe(expected);
  });
});
