/**
 * Development-only code (see src/core/dev.ts) must leave production bundles: apps ship with
 * `process.env.NODE_ENV` replaced by "production", and the size budget counts on the bytes it
 * guards being gone. Built with esbuild as `bench/size.ts` measures (Rolldown, Vite's bundler,
 * folds the same form).
 */
import { describe, expect, it } from 'vitest';
import { measure, OWN_ENTRY, TYPICAL_ENTRY } from '../../bench/size.js';

/** Texts that only development code holds, one or more per guarded site. */
const DEVELOPMENT_ONLY = [
  'Did you mean', // protocol/option-checks: the nearest known key
  '(milliseconds)', // protocol/option-checks: the accepted range
  'Infinity for never',
  'must be an object', // protocol/option-checks: options that are not an object
  'needs an options object',
  'the url option is required',
  'a Standard Schema (with',
  'two components ask for the shared socket', // socket-registry: conflicting options
  'render inside <SocketProvider>', // react: a hook without a socket
  'needs a `key` to be shared', // react: a URL function without a key
  // Cause prose (protocol/why.ts), figures included: production keeps the codes.
  'the send queue is full',
  'an error store subscriber', // the socket's own callbacks, a figure of callback_threw
  'an array with a non-string', // a figure of bad_protocols
  'the error store onFault logger threw', // the error store's console line
];

/** The same, in features the typical import leaves out (so only the full bundle holds them). */
const FEATURES_ONLY = [
  'answered the hello without a welcome', // delivery: a plain server's warning
];

describe('a production build', () => {
  it.each([
    { entry: TYPICAL_ENTRY, texts: DEVELOPMENT_ONLY },
    { entry: OWN_ENTRY, texts: [...DEVELOPMENT_ONLY, ...FEATURES_ONLY] },
  ])(
    'of the $entry.name drops every development-only text, which a build as is keeps',
    async ({ entry, texts }) => {
      const production = await measure(entry, 'production');
      const asIs = await measure(entry, 'as is');
      // Booleans, not toContain: a failure would print the whole bundle.
      const held = (code: string) => texts.filter((text) => code.includes(text));
      expect(held(production.text)).toEqual([]);
      expect(held(asIs.text)).toEqual(texts);
      expect(production.gzip).toBeLessThan(asIs.gzip);
    },
  );
});
