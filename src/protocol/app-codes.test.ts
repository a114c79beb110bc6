import { describe, expect, it } from 'vitest';
import { AppErrorCode, closeCodeForAppCode, pairsWithError } from './app-codes.js';
import { isSendableCloseCode, isValidCloseCode } from './close-code-rules.js';

describe('closeCodeForAppCode', () => {
  it.each([
    [AppErrorCode.BadRequest, 4000],
    [AppErrorCode.NotFound, 4001],
    [AppErrorCode.InvalidAction, 4002],
    [AppErrorCode.Unauthorized, 4003],
    [AppErrorCode.Forbidden, 4004],
    [AppErrorCode.RateLimited, 4005],
    [AppErrorCode.Internal, 1011],
    [4999, 4999],
    [3000, 3000],
    [1000, 1000],
    [1006, 1011],
    [1005, 1011],
    [999, 1011],
    [5001, 1011],
    [4000.5, 1011],
    [Number.NaN, 1011],
  ])('maps app code %d to close code %d', (appCode, closeCode) => {
    expect(closeCodeForAppCode(appCode)).toBe(closeCode);
  });
});

describe('isSendableCloseCode', () => {
  it('accepts exactly the codes a server may put in a close frame', () => {
    const sendable = [];
    for (let code = 0; code < 6000; code++) if (isSendableCloseCode(code)) sendable.push(code);
    const expected = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
    for (let code = 3000; code <= 4999; code++) expected.push(code);
    expect(sendable).toEqual(expected);
  });
});

describe('pairsWithError', () => {
  it('takes the close a server sends after each app code as the second half of its error', () => {
    for (const code of Object.values(AppErrorCode)) {
      expect(pairsWithError(code, closeCodeForAppCode(code))).toBe(true);
    }
  });

  it('pairs the documented alternatives and nothing unrelated', () => {
    expect(pairsWithError(4003, 3000)).toBe(true);
    expect(pairsWithError(4003, 1008)).toBe(true);
    expect(pairsWithError(4004, 3003)).toBe(true);
    expect(pairsWithError(4005, 1013)).toBe(true);
    expect(pairsWithError(4001, 1012)).toBe(false);
    expect(pairsWithError(4001, 1011)).toBe(false);
    expect(pairsWithError(4003, 3003)).toBe(false);
  });
});

describe('isValidCloseCode', () => {
  it('accepts every sendable code, and the reserved ones a client may still receive', () => {
    for (let code = 0; code < 6000; code++) {
      if (isSendableCloseCode(code)) expect(isValidCloseCode(code)).toBe(true);
    }
    expect([1004, 1005, 1006, 1015].map(isValidCloseCode)).toEqual([true, true, true, true]);
    expect([999, 5000, 1000.5, Number.NaN].map(isValidCloseCode)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
