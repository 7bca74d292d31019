import { describe, expect, test, vi } from 'vitest';
import { CoalescedSignal, ListenerSet } from '../../../src/core/listener-set.js';

describe('ListenerSet', () => {
  test('every add is its own entry; the unsubscribe removes just that one', () => {
    const set = new ListenerSet<[number]>('test');
    const seen: number[] = [];
    const listener = (n: number): void => void seen.push(n);
    const first = set.add(listener);
    set.add(listener);
    set.emit(1);
    first();
    set.emit(2);
    expect(seen).toEqual([1, 1, 2]);
    expect(set.size).toBe(1);
  });

  test('a throwing listener is warned about once per message and the others still run', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const set = new ListenerSet<[]>('drover test');
      let calls = 0;
      set.add(() => {
        throw new Error('boom');
      });
      set.add(() => void calls++);
      set.emit();
      set.emit();
      expect(calls).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toBe('drover test: a listener threw: boom');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('CoalescedSignal', () => {
  test('many fires in one turn reach each listener once, after the turn', async () => {
    const signal = new CoalescedSignal('test');
    let calls = 0;
    signal.add(() => void calls++);
    for (let i = 0; i < 1000; i++) signal.fire();
    expect(calls).toBe(0);
    await Promise.resolve();
    expect(calls).toBe(1);
    signal.fire();
    await Promise.resolve();
    expect(calls).toBe(2);
  });
});
