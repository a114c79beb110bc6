// @vitest-environment node
/**
 * `shareTabs()` in a production build (issue 21's byte budget for the tab side): its option
 * checks and its fallback warnings are for developers, and none of them may ship. Built as
 * tab-size.test.ts builds the tab: esbuild, minified, `process.env.NODE_ENV` "production", the
 * lower layers and the tab itself external, so what is left is share-tabs.ts (and what it uses
 * of tab-options.ts).
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

async function shareTabsBundle(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('./share-tabs.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'others-external',
        setup(b) {
          b.onResolve({ filter: /\/(core|protocol|request)\/|\.\/tab\.js$/ }, (a) => ({
            path: a.path,
            external: true,
          }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('shareTabs, production build', () => {
  it('carries neither its option rules, nor its warnings and their reasons, nor a run-time brand', async () => {
    const code = await shareTabsBundle();
    // The warning, its reasons (codes given to why()) and the set of those told.
    expect(code).not.toContain('keeps its own socket');
    expect(code).not.toContain('tabs_no_worker');
    expect(code).not.toContain('tabs_worker_threw');
    expect(code).not.toContain('new Set');
    // The rules of its options and of the tab's settings (a table that read tab-options'
    // SETTINGS kept both before).
    expect(code).not.toContain('workerTimeoutMs');
    expect(code).not.toContain('kind:');
    expect(code).not.toContain('Symbol(');
    // What it does in production is still there: the fallbacks and the tab.
    expect(code).toContain('"SharedWorker"');
    expect(code).toContain('connectTab');
  }, 20_000);
});
