import { describe, expect, test } from 'vitest';
import { backoffDelay, doublingDelay } from '../../../src/core/backoff.js';

describe('doublingDelay', () => {
  test('doubles from initial per attempt and stops at max', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => doublingDelay(100, 1000, a, 'none'))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  test('a huge attempt number stays at max (no Infinity, no NaN)', () => {
    expect(doublingDelay(100, 5000, 10_000, 'none')).toBe(5000);
    expect(doublingDelay(100, 5000, 0, 'none')).toBe(100);
  });

  test('full jitter picks in [0, d], equal jitter in [d/2, d]', () => {
    expect(doublingDelay(100, 1000, 3, 'full', () => 0)).toBe(0);
    expect(doublingDelay(100, 1000, 3, 'full', () => 0.999_999)).toBe(399);
    expect(doublingDelay(100, 1000, 3, 'equal', () => 0)).toBe(200);
    expect(doublingDelay(100, 1000, 3, 'equal', () => 1)).toBe(400);
  });
});

describe('backoffDelay', () => {
  test('fixed waits the delay every time; exponential doubles; jitter false is exact', () => {
    const fixed = { type: 'fixed', delay: 300, max: 60_000, jitter: false } as const;
    expect([1, 5, 9].map((a) => backoffDelay(fixed, a))).toEqual([300, 300, 300]);
    const exponential = { type: 'exponential', delay: 1000, max: 5000, jitter: false } as const;
    expect([1, 2, 3, 4].map((a) => backoffDelay(exponential, a))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoffDelay({ ...exponential, jitter: true }, 2, () => 0.5)).toBe(1000);
  });
});
