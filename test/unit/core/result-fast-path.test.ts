import { describe, expect, it } from 'vitest';
import { Fail, JobCancelledError, JobFailedError, JobNotFoundError, Retry, currentJob } from '../../../src/index.js';
import { makeApp, sleep } from './helpers.js';

// job.result() on the memory broker waits on the job itself (broker.outcome), not through watch():
// these pin that it keeps every outcome the watch path gives.
describe('job.result() on memory: (the per-job fast path)', () => {
  it('resolves with the result, for a job finished before or after the call', async () => {
    const app = makeApp();
    const add = app.task('add', (a: number, b: number) => a + b);
    const early = await add.call(1, 2);
    app.worker();
    expect(await early.result()).toBe(3);
    // Finished by now: settled from the job's fields.
    expect(await early.result()).toBe(3);
    const late = await add.call(5, 6);
    expect(await late.result()).toBe(11);
  });

  it('several waiters on one job all get the outcome', async () => {
    const app = makeApp();
    const slow = app.task('slow', async (x: number) => {
      await sleep(20);
      return x * 2;
    });
    const job = await slow.call(21);
    const byId = app.job<number>(job.id);
    app.worker();
    expect(await Promise.all([job.result(), job.result(), byId.result()])).toEqual([42, 42, 42]);
  });

  it('rejects with JobFailedError after retries run out, and waits through the retries', async () => {
    const app = makeApp();
    let attempts = 0;
    const flaky = app.task(
      'flaky',
      () => {
        attempts++;
        throw new Retry('again', { delay: 1 });
      },
      { retries: 2 },
    );
    app.worker();
    const job = await flaky.call();
    const error = await job.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).jobId).toBe(job.id);
    expect(attempts).toBe(3);
    const failed = await (
      await app.task('fails', () => Promise.reject(new Fail('no'))).call()
    )
      .result()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(JobFailedError);
  });

  it('rejects with JobCancelledError when a waiting job is cancelled', async () => {
    const app = makeApp();
    const t = app.task('t', () => 1);
    const job = await t.call();
    const pending = job.result().catch((e: unknown) => e);
    expect(await job.cancel()).toBe(true);
    expect(await pending).toBeInstanceOf(JobCancelledError);
  });

  it('rejects with JobNotFoundError once the job was evicted (maxFinished)', async () => {
    const app = makeApp({ broker: 'memory:?maxFinished=1' });
    const t = app.task('t', (x: number) => x);
    app.worker();
    const first = await t.call(1);
    expect(await first.result()).toBe(1);
    expect(await (await t.call(2)).result()).toBe(2);
    await expect(first.result()).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('currentJob() still works inside async handlers, across awaits', async () => {
    const app = makeApp();
    const seen = app.task('seen', async () => {
      const before = currentJob().id;
      await sleep(1);
      await Promise.resolve();
      return before === currentJob().id ? currentJob().id : 'mismatch';
    });
    app.worker({ concurrency: 4 });
    const jobs = await Promise.all([seen.call(), seen.call(), seen.call()]);
    expect(await Promise.all(jobs.map((j) => j.result()))).toEqual(jobs.map((j) => j.id));
  });

  it('a result() with a timeout still goes through watch and times out', async () => {
    const app = makeApp();
    const t = app.task('t', () => 1);
    const job = await t.call();
    await expect(job.result({ timeout: 20 })).rejects.toMatchObject({ code: 'ERR_DROVER_TIMEOUT' });
  });
});
