import type { TestProject } from 'vitest/node';
import { startDemoServer } from '../demo/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The demo server the Live story talks to when stories run as tests. */
    storybookDemoUrl: string;
  }
}

/**
 * Starts the demo server on a free port for the storybook test project (no fixed port in tests),
 * with short pauses so the Live story's restart and refusals last well under a second.
 */
export default async function setup(project: TestProject) {
  const demo = await startDemoServer({ port: 0, restartPauseMs: 300, refuseMs: 1000 });
  project.provide('storybookDemoUrl', demo.url);
  return () => demo.close();
}
