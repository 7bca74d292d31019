import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from '../../../src/remote/index.js';

describe('ReconnectBackoff', () => {
  it('.next() - full jitter under a cap that doubles from minMs up to maxMs', () => {
    const top = new ReconnectBackoff({ minMs: 250, maxMs: 5000, random: () => 0.999999 });
    expect(Array.from({ length: 7 }, () => top.next())).toEqual([249, 499, 999, 1999, 3999, 4999, 4999]);
    const bottom = new ReconnectBackoff({ random: () => 0 });
    expect(bottom.next()).toBe(0);
  });

  it('.reset() - starts again from minMs', () => {
    const b = new ReconnectBackoff({ minMs: 100, maxMs: 1000, random: () => 0.5 });
    b.next();
    b.next();
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(50);
  });
});
