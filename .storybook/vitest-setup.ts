import { inject } from 'vitest';

// Runs in the browser before each story file when stories run as tests: tells the Live story
// where the demo server of this test run listens (stories/support/live.ts reads it).
Reflect.set(globalThis, '__SOCKGUARD_DEMO_URL__', inject('storybookDemoUrl'));
