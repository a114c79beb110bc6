import type { TestProject } from 'vitest/node';
import { startUnsentFixture } from './unsent-fixture.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `ws://127.0.0.1:<port>`: the pausable, killable proxy in front of the logging ws server. */
    unsentProxyUrl: string;
    /** Its HTTP control: `POST /reset`, `POST /pause`, `POST /kill`, `GET /log`. */
    unsentControlUrl: string;
  }
}

/** Starts the fixture of unsent-frames.test.ts (a Node server: the page cannot open one). */
export default async function setup(project: TestProject) {
  const fixture = await startUnsentFixture();
  project.provide('unsentProxyUrl', fixture.proxyUrl);
  project.provide('unsentControlUrl', fixture.controlUrl);
  return () => fixture.close();
}
