/**
 * The `cause` of a fault, for logs: prose in development builds, the stable cause code and its
 * figures in production (`connect_timeout_open 10000`), so the prose never ships to users. The
 * codes are listed, with their prose, in `why-prose.ts` and docs/protocol.md.
 *
 * The guard is the inline form of core/dev.ts: bundlers replace `process.env.NODE_ENV` and drop the
 * prose with its table; without a bundler (no `process`), the catch makes it development.
 */
import { prose } from './why-prose.js';

declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** The cause text of `code` with its figures. */
export function why(code: string, ...args: ReadonlyArray<string | number>): string {
  try {
    if (process.env.NODE_ENV !== 'production') return prose(code, args);
  } catch {
    return prose(code, args);
  }
  return args.length > 0 ? `${code} ${args.join(' ')}` : code;
}

/** The error a refused call throws: `sockguard: ` and the cause of `code` with its figures. */
export const refusal = (code: string, ...args: ReadonlyArray<string | number>): TypeError =>
  new TypeError(`sockguard: ${why(code, ...args)}`);
