/**
 * Development-only code. Bundlers replace `process.env.NODE_ENV` by its value, so the text must
 * stay exactly that; where nothing replaced it and there is no `process` (a browser without a
 * bundler), reading it throws, and that counts as development.
 *
 * {@link isDevelopment} is a call, so no bundler can drop what it guards. Code that should not
 * ship in production bundles (the "did you mean" and the accepted range of option errors, the
 * conflicting-options warning) is guarded inline instead, in this form:
 *
 *     try {
 *       if (process.env.NODE_ENV !== 'production') work();
 *     } catch {
 *       work(); // no `process`: development
 *     }
 *
 * With the replacement (Vite, webpack, Next.js; esbuild and Rolldown with `define`, and esbuild
 * by itself when it minifies for the browser) the production build reads
 * `try { if (false) ... } catch { ... }`: esbuild and Rolldown remove it whole (an empty `try`
 * cannot reach its `catch`) and tree-shake `work` with it (test/unit/production-build.test.ts
 * holds esbuild to it). A guard read through a variable or a function is not removed. Without
 * the replacement it never throws and behaves as `isDevelopment()`. `work` must be one call that
 * does not throw (it would run twice). Each file that uses the form declares `process` as below.
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
