import { describe, expect, it } from 'vitest';
import {
  Drover,
  Fail,
  InvalidArgumentError,
  JobFailedError,
  Retry,
  TimeoutError,
  UnknownTaskError,
  currentJob,
  task,
} from '../../../src/index.js';
import { makeApp, until } from './helpers.js';

describe('app.task()', () => {
  it('.run() - calls and returns the result', async () => {
    const app = makeApp();
    const add = app.task('add', (a: number, b: number) => a + b);
    app.worker({ concurrency: 2 });
    expect(await add.run(2, 3)).toBe(5);
  });

  it('.call() - resolves with a job once queued; job.result() waits', async () => {
    const app = makeApp();
    const mul = app.task('mul', async (a: number, b: number) => a * b);
    const job = await mul.call(6, 7);
    expect(typeof job.id).toBe('string');
    expect((await job.status()).status).toBe('queued');
    app.worker();
    expect(await job.result({ timeout: 2000 })).toBe(42);
  });

  it('.callMany() - enqueues a batch', async () => {
    const app = makeApp();
    const add = app.task('add', (a: number, b: number) => a + b);
    app.worker({ concurrency: 4 });
    const jobs = await add.callMany([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(await Promise.all(jobs.map((j) => j.result()))).toEqual([3, 7, 11]);
  });

  it('task() + app.register() - unbound definitions', async () => {
    const app = makeApp();
    const greet = task('greet', (name: string) => `hello ${name}`);
    app.register(greet);
    app.worker();
    const job = await app.call(greet, ['ada']);
    expect(await job.result()).toBe('hello ada');
    expect(await (await app.call('greet', ['bob'])).result()).toBe('hello bob');
  });

  it('app.call() - an unknown task name on memory: fails fast', async () => {
    const app = makeApp();
    await expect(app.call('nope', [])).rejects.toBeInstanceOf(UnknownTaskError);
  });

  it('.with() - options on top: priority orders jobs', async () => {
    const app = makeApp();
    const seen: string[] = [];
    const t = app.task('t', (name: string) => void seen.push(name));
    await t.call('low');
    await t.with({ priority: 5 }).call('high');
    await t.with({ priority: -1 }).call('lowest');
    await t.call('low2');
    app.worker({ concurrency: 1 });
    await until(() => seen.length === 4);
    expect(seen).toEqual(['high', 'low', 'low2', 'lowest']);
  });

  it('.with({ delay }) and runAt - not run before their time', async () => {
    const app = makeApp();
    const t = app.task('t', () => Date.now());
    app.worker();
    const start = Date.now();
    const delayed = await t.with({ delay: 150 }).call();
    const scheduled = await t.with({ runAt: new Date(Date.now() + 100) }).call();
    expect(await delayed.result()).toBeGreaterThanOrEqual(start + 150);
    expect(await scheduled.result()).toBeGreaterThanOrEqual(start + 100);
  });

  it('.with({ key }) - idempotent while queued or active, new after finish', async () => {
    const app = makeApp();
    const t = app.task('t', (n: number) => n);
    const a = await t.with({ key: 'order-42' }).call(1);
    const b = await t.with({ key: 'order-42' }).call(2);
    expect(b.id).toBe(a.id);
    app.worker();
    expect(await b.result()).toBe(1);
    const c = await t.with({ key: 'order-42' }).call(3);
    expect(c.id).not.toBe(a.id);
    expect(await c.result()).toBe(3);
  });

  it('.with({ queue }) - a worker consumes the queues it is given', async () => {
    const app = makeApp();
    const t = app.task('t', () => 'ran');
    const job = await t.with({ queue: 'special' }).call();
    app.worker({ queues: ['special'] });
    expect(await job.result({ timeout: 2000 })).toBe('ran');
  });
});

describe('handler outcomes', () => {
  it('throw Retry - retries, counting attempts, then succeeds', async () => {
    const app = makeApp();
    const attempts: number[] = [];
    const t = app.task('t', () => {
      attempts.push(currentJob().attempt);
      if (attempts.length < 3) throw new Retry('not yet', { delay: 1 });
      return 'ok';
    });
    app.worker();
    expect(await t.run()).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('throw Fail - fails at once without retries', async () => {
    const app = makeApp();
    let calls = 0;
    const t = app.task(
      't',
      () => {
        calls++;
        throw new Fail('bad input');
      },
      { retries: 5 },
    );
    app.worker();
    const error = await t.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toContain('bad input');
    expect(calls).toBe(1);
  });

  it('any other error - retried while retries remain, then JobFailedError with the cause', async () => {
    const app = makeApp();
    let calls = 0;
    class BoomError extends Error {
      override name = 'BoomError';
    }
    const t = app.task(
      't',
      () => {
        calls++;
        throw new BoomError('boom');
      },
      { retries: 2, backoff: { type: 'fixed', delay: 1 } },
    );
    app.worker();
    const error = (await t.run().catch((e: unknown) => e)) as JobFailedError;
    expect(calls).toBe(3);
    expect(error.code).toBe('ERR_DROVER_JOB_FAILED');
    expect(error.message).toContain('boom');
    expect(error.cause.name).toBe('BoomError');
    expect(error.cause.message).toBe('boom');
    expect(error.cause.stack).toContain('BoomError');
    const snapshot = await app.job(error.jobId!).status();
    expect(snapshot.status).toBe('failed');
    expect(snapshot.attempt).toBe(3);
  });

  it('timeout - the attempt fails at the deadline even if the handler ignores its signal', async () => {
    const app = makeApp();
    let aborted = false;
    const t = app.task(
      'slow',
      async () => {
        currentJob().signal.addEventListener('abort', () => (aborted = true));
        await new Promise((resolve) => setTimeout(resolve, 400));
        return 'late';
      },
      { timeout: 100, retries: 0 },
    );
    const worker = app.worker({ concurrency: 1 });
    const started = Date.now();
    const error = (await t.run().catch((e: unknown) => e)) as JobFailedError;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.cause.code).toBe('ERR_DROVER_JOB_TIMEOUT');
    expect(elapsed).toBeLessThan(350);
    expect(aborted).toBe(true);
    // Its slot stays counted until the handler really returns.
    expect(worker.active).toBe(1);
    await until(() => worker.active === 0);
  });

  it('job.result({ timeout }) - rejects with TimeoutError', async () => {
    const app = makeApp();
    const t = app.task('t', () => 1);
    const job = await t.call();
    await expect(job.result({ timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('bad input', () => {
  it('names what was expected and what came', () => {
    const app = makeApp();
    expect(() => app.worker({ concurrency: -1 })).toThrow(
      'Expected `concurrency` to be an integer in [0, 100000], got -1 (number)',
    );
    expect(() => app.task('t', () => 1, { timeout: Number.NaN })).toThrow(
      /Expected `options.timeout` to be a number of milliseconds .*got NaN \(number\)/,
    );
    expect(() => app.task('', () => 1)).toThrow(InvalidArgumentError);
    expect(() => app.task('t2', 'nope' as never)).toThrow('Expected `fn` to be a function, got "nope" (string)');
    expect(() => app.task('t3', () => 1, { retries: 1.5 })).toThrow(/retries/);
    expect(() => app.task('t4', () => 1, { bogus: 1 } as never)).toThrow(/Unknown option `bogus`/);
    expect(() => new Drover({ broker: 42 as never })).toThrow(/Expected `broker`/);
    expect(() => new Drover({ codec: 'yaml' as never })).toThrow(/Expected `codec`/);
  });

  it('arguments a codec cannot carry are a TypeError at call time', async () => {
    const app = makeApp();
    const t = app.task('t', (_x: unknown) => 1);
    await expect(t.call(() => 1)).rejects.toThrow(TypeError);
    await expect(t.call(Symbol('s'))).rejects.toThrow(/symbol/);
    await expect(t.call(new Map())).rejects.toThrow(/Map/);
    await expect(t.call(Number.NaN)).rejects.toThrow(/non-finite/);
    await expect(t.call(undefined)).rejects.toThrow(TypeError);
    const m = makeApp({ codec: 'msgpack' });
    const mt = m.task('t', (_x: unknown) => 1);
    await expect(mt.call(new Map([[1, new Date()]]))).resolves.toBeDefined();
    await expect(mt.call(() => 1)).rejects.toThrow(TypeError);
  });

  it('a broker URL with an unknown scheme is a clear error', async () => {
    const app = makeApp({ broker: 'postgres://x' });
    app.task('t', () => 1);
    await expect(app.call('t', [])).rejects.toThrow(/Unknown broker URL "postgres:\/\/x"/);
  });
});
