import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { describe, expect, it } from 'vitest';

// Proves the react18 project really swaps React: without the alias both projects would run React 19.
describe('React under test', () => {
  it('is the major version this vitest project promises', () => {
    const expected = process.env.SOCKGUARD_EXPECT_REACT;
    expect(version.split('.')[0]).toBe(expected);
    expect(domVersion.split('.')[0]).toBe(expected);
  });
});
