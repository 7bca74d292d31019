import { describe, expect, it } from 'vitest';
import { Deque } from '../../../src/brokers/memory/deque.js';

// The memory broker's FIFO (ready queues, finished jobs, the pending id index) kept in chunks.
describe('Deque (memory broker)', () => {
  it('keeps FIFO order across chunk boundaries, growing and shrinking', () => {
    const d = new Deque<number>();
    const model: number[] = [];
    let next = 0;
    // Bursts of pushes and shifts of changing sizes cross many chunk boundaries both ways.
    for (let round = 0; round < 200; round++) {
      const pushes = (round * 37) % 700;
      const shifts = (round * 53) % 650;
      for (let i = 0; i < pushes; i++) {
        d.push(next);
        model.push(next++);
      }
      for (let i = 0; i < shifts; i++) expect(d.shift()).toBe(model.shift());
      expect(d.length).toBe(model.length);
      expect(d.peek()).toBe(model[0]);
    }
    while (model.length > 0) expect(d.shift()).toBe(model.shift());
    expect(d.length).toBe(0);
    expect(d.peek()).toBeUndefined();
    expect(d.shift()).toBeUndefined();
  });

  it('a queue that stays short keeps working after emptying many times', () => {
    const d = new Deque<string>();
    for (let i = 0; i < 10_000; i++) {
      d.push(`a${i}`);
      if (i % 3 === 0) d.push(`b${i}`);
      expect(d.shift()).toBe(`a${i}`);
      if (i % 3 === 0) expect(d.shift()).toBe(`b${i}`);
      expect(d.length).toBe(0);
    }
  });
});
