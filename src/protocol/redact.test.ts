import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from './redact.js';

describe('redactUrl drops user info, query string and fragment', () => {
  it.each([
    ['wss://chat.example.com/ws?token=abc', 'wss://chat.example.com/ws?[redacted]'],
    ['wss://u:p@chat.example.com:8443/ws', 'wss://[redacted]@chat.example.com:8443/ws'],
    ['ws://127.0.0.1:9000/ws#frag', 'ws://127.0.0.1:9000/ws'],
    ['wss://chat.example.com/ws', 'wss://chat.example.com/ws'],
    ['/relative/ws?token=abc', '/relative/ws?[redacted]'],
    ['not a url#access_token=abc', 'not a url?[redacted]'],
    ['plain text', 'plain text'],
  ])('%s -> %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('redactText replaces anything that looks like a credential', () => {
  it.each([
    [
      'a URL with a token',
      'see https://api.io/x?key=abc now',
      'see https://api.io/x?[redacted] now',
    ],
    ['a bearer token', 'Authorization: Bearer abc.def-ghi', 'Authorization: [redacted] [redacted]'],
    ['a basic credential', 'basic dXNlcjpwYXNz', 'basic [redacted]'],
    ['a bare JWT', 'jwt eyJhbGciOi.eyJzdWIi.sig9 end', 'jwt [redacted] end'],
    ['token=', 'token=abc&x=1', 'token=[redacted]&x=1'],
    ['access_token:', 'access_token: abc', 'access_token: [redacted]'],
    ['password=', 'password=hunter2', 'password=[redacted]'],
    ['a JSON password', '{"password":"hunter2"}', '{"password":"[redacted]"}'],
    [
      'a prefixed key',
      'client_secret=abc db_password=def',
      'client_secret=[redacted] db_password=[redacted]',
    ],
    ['an x-api-key header', 'x-api-key: abc', 'x-api-key: [redacted]'],
    ['a session id', 'sessionid=abc', 'sessionid=[redacted]'],
    ['a cookie', 'cookie: sid=abc', 'cookie: [redacted]'],
  ])('redacts %s', (_, text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it.each([
    ['prose', 'The room is full'],
    ['words that merely contain a key', 'author=Jane design=blue'],
    ['an ordinary URL-less sentence with numbers', 'Retry in 30 s (code 4005)'],
  ])('leaves %s alone', (_, text) => {
    expect(redactText(text)).toBe(text);
  });

  it('stays linear on adversarial input (bounded key prefix)', () => {
    const started = performance.now();
    redactText(`${'a-'.repeat(100_000)}=x`);
    redactText('eyJ'.repeat(100_000));
    expect(performance.now() - started).toBeLessThan(500);
  });
});
