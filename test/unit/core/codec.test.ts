import { describe, expect, it } from 'vitest';
import { assertEncodable, jsonCodec, msgpackCodec, resolveCodec } from '../../../src/core/codec.js';
import { backoffDelay } from '../../../src/core/backoff.js';

describe('codecs', () => {
  it('json - round trips plain data', () => {
    const value = { a: [1, 'two', null, true], b: { c: 1.5 } };
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual(value);
  });

  it('msgpack - Date, Map, Set, BigInt and Uint8Array survive', () => {
    const value = [
      new Date(1_700_000_000_000),
      new Map([['k', 1]]),
      new Set([1, 2]),
      12345678901234567890n,
      new Uint8Array([1, 2, 3]),
      { plain: { a: 1 } },
    ];
    assertEncodable(msgpackCodec, value, 'value');
    const back = msgpackCodec.decode(msgpackCodec.encode(value)) as unknown[];
    expect(back[0]).toEqual(value[0]);
    expect(back[1]).toEqual(value[1]);
    expect(back[2]).toEqual(value[2]);
    expect(back[3]).toBe(12345678901234567890n);
    expect(Array.from(back[4] as Uint8Array)).toEqual([1, 2, 3]);
    expect(back[5]).toEqual({ plain: { a: 1 } });
    expect(back[5]).not.toBeInstanceOf(Map);
  });

  it('assertEncodable() - names what cannot be carried and where', () => {
    expect(() => assertEncodable(jsonCodec, [1, { f: () => 1 }], 'Arguments of t')).toThrow(
      'Arguments of t cannot be carried by the json codec: a function is not JSON at [1].f',
    );
    expect(() => assertEncodable(jsonCodec, [new Date()], 'x')).toThrow(/instance of Date/);
    expect(() => assertEncodable(jsonCodec, [1n], 'x')).toThrow(/bigint/);
    class Point {
      x = 1;
    }
    expect(() => assertEncodable(msgpackCodec, [new Point()], 'x')).toThrow(/instance of Point/);
    const deep: unknown[] = [];
    let cur = deep;
    for (let i = 0; i < 300; i++) cur.push((cur = []));
    expect(() => assertEncodable(jsonCodec, deep, 'x')).toThrow(/nested deeper/);
  });

  it('resolveCodec() - names, objects, and a clear error otherwise', () => {
    expect(resolveCodec(undefined)).toBe(jsonCodec);
    expect(resolveCodec('msgpack')).toBe(msgpackCodec);
    const custom = { name: 'c', encode: (v: unknown) => String(v), decode: (d: string | Uint8Array) => d };
    expect(resolveCodec(custom)).toBe(custom);
    expect(() => resolveCodec('xml' as never)).toThrow(/Expected `codec`/);
  });
});

describe('backoffDelay()', () => {
  it('exponential with a cap and full jitter', () => {
    const b = { type: 'exponential' as const, delay: 100, max: 1000, jitter: false };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(b, a))).toEqual([100, 200, 400, 800, 1000]);
    const jittered = backoffDelay({ ...b, jitter: true }, 3, () => 0.5);
    expect(jittered).toBe(200);
    expect(backoffDelay({ type: 'fixed', delay: 50, max: 1000 }, 7, () => 0.999)).toBeLessThan(50);
  });
});
