/**
 * A vitest reporter for the chaos suite: after the default reporter's summary, prints each chaos
 * test's figures (`task.meta.chaosFigures`), so the figures are the last lines of the run.
 */
import type { Reporter, TestModule } from 'vitest/node';
import './task-meta.js';

export default class FiguresReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const figures = test.meta().chaosFigures;
        if (figures) lines.push(figures);
      }
    }
    // The soak's line last: it is the suite's headline.
    lines.sort((a, b) => Number(a.startsWith('CHAOS SOAK')) - Number(b.startsWith('CHAOS SOAK')));
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
