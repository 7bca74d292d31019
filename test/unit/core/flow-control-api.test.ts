import { describe, expect, it } from 'vitest';
import { Drover, RateLimited, task } from '../../../src/index.js';
import { createSqliteBroker } from '../../../src/brokers/sqlite/index.js';
import { makeApp } from './helpers.js';

describe('flow-control options and signals', () => {
  it('RateLimited - carries its ms; a negative or non-finite ms is refused naming it', () => {
    const signal = new RateLimited(1500.2);
    expect(signal).toBeInstanceOf(RateLimited);
    expect(signal).toMatchObject({ name: 'RateLimited', ms: 1501, message: 'rate limited for 1500.2 ms' });
    expect(new Error('x')).not.toBeInstanceOf(RateLimited);
    expect(() => new RateLimited(-1)).toThrow(/Expected `ms` of RateLimited to be a non-negative number, got -1/);
    expect(() => new RateLimited(Number.NaN)).toThrow(/`ms` of RateLimited/);
  });

  it('task() - rateLimit and groupConcurrency are kept apart from the job options, and checked', () => {
    const def = task('send', () => 1, { retries: 2, rateLimit: { max: 3, per: 100 }, groupConcurrency: 4 });
    expect(def.options).toEqual({ retries: 2 });
    expect(def.settings).toEqual({ rateLimit: { max: 3, per: 100 }, groupConcurrency: 4 });
    expect(task('plain', () => 1).settings).toBeUndefined();
    expect(() => task('bad', () => 1, { rateLimit: { max: 3 } as never })).toThrow(
      /Expected `options.rateLimit` to be an object with `per`/,
    );
    expect(() => task('bad', () => 1, { groupConcurrency: 0 })).toThrow(/options\.groupConcurrency.*got 0/);
    expect(() => task('bad', () => 1, { burst: 1 } as never)).toThrow(/Unknown option `burst`/);
  });

  it('app.queue() - a bad name or purge age is refused naming it', async () => {
    const app = makeApp();
    expect(() => app.queue('')).toThrow(/`queue`/);
    await expect(app.queue('q').purge({ olderThan: Number.NaN })).rejects.toThrow(/options\.olderThan/);
    await app.close();
  });

  it('RateLimited - on a broker without flow control it is a retry after ms (counting an attempt)', async () => {
    const broker = createSqliteBroker({ path: ':memory:' });
    // A view of the broker without its flow-control part.
    const plain = new Proxy(broker, {
      get(target, key) {
        if (key === 'limitQueue') return undefined;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const app = new Drover({ broker: plain });
    let calls = 0;
    const t = app.task(
      'up',
      () => {
        if (++calls === 1) throw new RateLimited(50);
        return 'ok';
      },
      { retries: 1 },
    );
    app.worker({ concurrency: 1, pollInterval: 20 });
    const job = await t.call();
    expect(await job.result({ timeout: 3000 })).toBe('ok');
    expect((await broker.getJob(job.id))?.attempt).toBe(2);
    await app.close();
    await broker.close();
  });
});
