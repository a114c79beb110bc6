/**
 * Development-only checks. Bundlers replace `process.env.NODE_ENV` by its value, so the text must
 * stay exactly that; where nothing replaced it and there is no `process` (a browser without a
 * bundler), reading it throws, and that counts as development.
 */

// Declared here, not taken from @types/node: the package builds without Node's types.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** True unless `process.env.NODE_ENV` is `'production'`. Never throws. */
export function isDevelopment(): boolean {
  try {
    return process.env.NODE_ENV !== 'production';
  } catch {
    return true;
  }
}
