import { describe, expect, it } from 'vitest';
import { classify } from './classify.js';
import { englishTexts } from './english.js';
import { redactKnown, redactText, redactUrl, secretsOfUrl } from './redact.js';

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

describe('known strings: the tokens a client put in its URL, a resume secret', () => {
  it.each([
    ['wss://x.io/ws?token=abc123def', ['abc123def']],
    ['wss://x.io/ws?a=1&token=abc%2B123&b=lang', ['abc%2B123', 'abc+123']],
    ['wss://u:hunter22@x.io/ws', ['hunter22']],
    ['wss://x.io/ws?bare-token-value', ['bare-token-value']],
    ['wss://x.io/ws#access=tok123456', ['tok123456']],
    ['wss://x.io/ws?token=abc%ZZdef', ['abc%ZZdef']],
    ['/relative/ws?token=abcdef1', ['abcdef1']],
    ['wss://x.io/ws?v=2&room=ab', []],
    ['wss://x.io/ws', []],
  ])('secretsOfUrl(%s)', (url, expected) => {
    expect(secretsOfUrl(url).sort()).toEqual([...expected].sort());
  });

  it.each([
    ['bare', 'no user for tok-98765 here', 'no user for [redacted] here'],
    ['twice', 'tok-98765/tok-98765', '[redacted]/[redacted]'],
    ['inside a word', 'xtok-98765y', 'x[redacted]y'],
    ['the longer one whole', 'tok-98765-long', '[redacted]'],
    ['not a short one', 'v2 is fine', 'v2 is fine'],
  ])('redactKnown: %s', (_, text, expected) => {
    expect(redactKnown(text, ['tok-98765', 'tok-98765-long', 'v2'])).toBe(expected);
  });

  it('redactText takes the known strings out before the patterns', () => {
    expect(redactText('echo tok-98765 and token=abc', ['tok-98765'])).toBe(
      'echo [redacted] and token=[redacted]',
    );
  });

  it('classify takes them out of every text of a fault, before a cut could leave half of one', () => {
    const known = ['tok-98765'];
    // With the English texts, which show the server's own text: it comes redacted too.
    const context = { id: 'f', now: 0, known, messages: englishTexts() };
    const envelope = classify(
      { source: 'envelope', code: 4001, message: 'Room of tok-98765 not found' },
      context,
    );
    expect(envelope.message).toBe('Room of [redacted] not found');
    expect(envelope.detail.serverMessage).toBe('Room of [redacted] not found');
    const close = classify(
      { source: 'close', code: 4000, reason: 'bad tok-98765', wasClean: true, requested: false },
      context,
    );
    expect(close.detail.closeReason).toBe('bad [redacted]');
    // The token straddles the 500-character cut of a cause: none of it is left.
    const cause = `${'x'.repeat(495)}tok-98765`;
    const client = classify({ source: 'client', code: 'invalid_frame', cause }, context);
    expect(client.detail.cause).not.toMatch(/tok-/);
  });
});
