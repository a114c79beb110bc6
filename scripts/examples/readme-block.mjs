// The README's testing example, taken from README.md at run time so the two cannot drift.
import { StepError } from './proc.mjs';

const SECTION = '## API: `sockguard/testing`';

/** The first ```ts block under the sockguard/testing section that uses createScenario. */
export function testingExample(readme) {
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new StepError(`README.md has no "${SECTION}" section`);
  const next = readme.indexOf('\n## ', start + SECTION.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  for (const match of section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    if (match[1].includes('createScenario')) return match[1];
  }
  throw new StepError(`README.md's "${SECTION}" section has no \`\`\`ts block with createScenario`);
}
