import { describe, expect, it } from 'vitest';
import { classify, closesAfterError } from './classify.js';
import type { CloseFault, EnvelopeFault } from './fault.js';

const ctx = { id: 'x', now: 0 };
const envelope = (code: number) =>
  classify({ source: 'envelope', code, message: 'm' }, ctx) as EnvelopeFault;
const close = (code: number) =>
  classify(
    { source: 'close', code, reason: '', wasClean: true, requested: false },
    ctx,
  ) as CloseFault;

describe('closesAfterError: which close completes an error envelope', () => {
  it.each([
    [4000, 4000],
    [4001, 4001],
    [4002, 4002],
    [4003, 4003],
    [4003, 3000],
    [4003, 1008],
    [4004, 4004],
    [4004, 3003],
    [4005, 4005],
    [4005, 1013],
    [5000, 1011],
    [4321, 4321],
  ])('error %i then close %i is one failure', (app, code) => {
    expect(closesAfterError(envelope(app), close(code))).toBe(true);
  });

  it.each([
    [4001, 1012],
    [4002, 1006],
    [4000, 1001],
    [5000, 1012],
    [4005, 1006],
    [4003, 1000],
  ])('error %i then close %i are two failures', (app, code) => {
    expect(closesAfterError(envelope(app), close(code))).toBe(false);
  });
});
