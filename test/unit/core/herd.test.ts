import { describe, expect, it } from 'vitest';
import { JobCancelledError, currentJob } from '../../../src/index.js';
import type { Report } from '../../../src/index.js';
import { createMemoryBroker } from '../../../src/brokers/memory/index.js';
import { makeApp, sleep, until } from './helpers.js';

/** A task whose runs wait for `release()`, tracking how many run at once. */
function gate() {
  let running = 0;
  let peak = 0;
  let open: () => void = () => {};
  let opened = new Promise<void>((resolve) => (open = resolve));
  return {
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
    release() {
      open();
      opened = new Promise<void>((resolve) => (open = resolve));
    },
    async fn() {
      running++;
      peak = Math.max(peak, running);
      await opened;
      running--;
    },
  };
}

describe('app.worker()', () => {
  it('.concurrency - bounds how many run at once', async () => {
    const app = makeApp();
    const g = gate();
    const t = app.task('t', () => g.fn());
    const jobs = await t.callMany(Array.from({ length: 10 }, () => []));
    app.worker({ concurrency: 3 });
    await until(() => g.running === 3);
    await sleep(30);
    expect(g.running).toBe(3);
    for (let i = 0; i < 4; i++) {
      g.release();
      await sleep(10);
    }
    await Promise.all(jobs.map((j) => j.result()));
    expect(g.peak).toBe(3);
  });

  it('.concurrency = n - growing starts more at once; shrinking lets running jobs finish', async () => {
    const app = makeApp();
    const g = gate();
    const t = app.task('t', () => g.fn());
    await t.callMany(Array.from({ length: 20 }, () => []));
    const worker = app.worker({ concurrency: 2 });
    await until(() => g.running === 2);
    worker.concurrency = 5;
    await until(() => g.running === 5);
    worker.concurrency = 1;
    expect(g.running).toBe(5); // nobody is killed
    g.release();
    await until(() => g.running === 1);
    await sleep(30);
    expect(g.running).toBe(1);
    expect(worker.concurrency).toBe(1);
    const text = await app.metrics.text();
    expect(text).toContain('drover_herd_size 1');
    g.release();
  });

  it('concurrency 0 - leases nothing until resized', async () => {
    const app = makeApp();
    const t = app.task('t', () => 'ok');
    const job = await t.call();
    const worker = app.worker({ concurrency: 0 });
    await sleep(50);
    expect((await job.status()).status).toBe('queued');
    worker.concurrency = 1;
    expect(await job.result({ timeout: 1000 })).toBe('ok');
  });

  it('app.close({ grace }) - in-flight jobs finish, the rest are aborted and handed back', async () => {
    const broker = createMemoryBroker();
    const app = makeApp({ broker });
    let abortedSeen = false;
    const quick = app.task('quick', async () => {
      await sleep(30);
      return 'done';
    });
    const stuck = app.task('stuck', async () => {
      const { signal } = currentJob();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      abortedSeen = true;
    });
    const q = await quick.call();
    const s = await stuck.call();
    app.worker({ concurrency: 2 });
    await until(async () => (await s.status()).status === 'active' && (await q.status()).status === 'active');
    await app.close({ grace: 150 });
    expect(abortedSeen).toBe(true);
    expect((await broker.getJob(q.id))?.status).toBe('succeeded');
    const back = await broker.getJob(s.id);
    expect(back?.status).toBe('queued');
    expect(back?.attempt).toBe(0); // handed back, not counted
    await broker.close();
  });

  it('job.cancel() - a queued job is removed; an active one sees its signal abort', async () => {
    const app = makeApp();
    let sawAbort: unknown;
    const t = app.task('t', async () => {
      const { signal } = currentJob();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      sawAbort = signal.reason;
    });
    const queuedJob = await t.with({ delay: 10_000 }).call();
    expect(await queuedJob.cancel()).toBe(true);
    await expect(queuedJob.result()).rejects.toBeInstanceOf(JobCancelledError);
    const active = await t.call();
    app.worker();
    await until(async () => (await active.status()).status === 'active');
    expect(await active.cancel()).toBe(true);
    await expect(active.result()).rejects.toBeInstanceOf(JobCancelledError);
    await until(() => sawAbort !== undefined);
    expect(sawAbort).toBeInstanceOf(JobCancelledError);
  });
});

describe('reports and events', () => {
  it('job.reports() - every report from queued on, ending after the terminal one', async () => {
    const app = makeApp();
    let first = true;
    const t = app.task(
      't',
      async () => {
        await currentJob().progress(0.5);
        if (first) {
          first = false;
          throw new Error('once');
        }
        return 'ok';
      },
      { backoff: { type: 'fixed', delay: 1 } },
    );
    const job = await t.call();
    app.worker();
    const seen: Report[] = [];
    for await (const r of job.reports()) seen.push(r);
    expect(seen.map((r) => `${r.status}:${r.attempt}`)).toEqual([
      'queued:0',
      'active:1',
      'progress:1',
      'retrying:1',
      'active:2',
      'progress:2',
      'succeeded:2',
    ]);
    expect(seen[3]!.error?.message).toBe('once');
    expect(seen[6]!.result).toBe('ok');
    // Read again after the fact: the same history.
    const again: Report[] = [];
    for await (const r of job.reports()) again.push(r);
    expect(again.map((r) => r.status)).toEqual(seen.map((r) => r.status));
  });

  it('app.on() - typed events; a throwing listener is reported on error and never breaks the herd', async () => {
    const app = makeApp();
    const events: string[] = [];
    const errors: string[] = [];
    app.on('job:queued', () => events.push('queued'));
    app.on('job:active', () => events.push('active'));
    app.on('job:succeeded', (e) => events.push(`succeeded:${String(e.result)}`));
    app.on('job:failed', () => events.push('failed'));
    app.on('job:succeeded', () => {
      throw new Error('listener bug');
    });
    app.on('error', (e) => errors.push(e.context));
    const t = app.task('t', (x: number) => x * 2);
    app.worker();
    expect(await t.run(21)).toBe(42);
    expect(await t.run(1)).toBe(2);
    await until(() => events.filter((e) => e.startsWith('succeeded')).length === 2);
    expect(events).toContain('succeeded:42');
    expect(events.slice(0, 3)).toEqual(['queued', 'active', 'succeeded:42']);
    expect(errors[0]).toContain("'job:succeeded'");
  });

  it('job:timeout and queue:empty', async () => {
    const app = makeApp();
    const timeouts: number[] = [];
    let empty = 0;
    app.on('job:timeout', (e) => timeouts.push(e.timeoutMs));
    app.on('queue:empty', () => empty++);
    const t = app.task('t', () => new Promise((resolve) => setTimeout(resolve, 100)), { timeout: 20, retries: 0 });
    app.worker();
    await t.run().catch(() => undefined);
    expect(timeouts).toEqual([20]);
    await until(() => empty > 0);
  });

  it('metrics - success, retry and failure counters per task', async () => {
    const app = makeApp();
    const ok = app.task('ok', () => 1);
    let n = 0;
    const flaky = app.task(
      'flaky',
      () => {
        if (n++ === 0) throw new Error('x');
      },
      { backoff: { type: 'fixed', delay: 1 } },
    );
    const bad = app.task(
      'bad',
      () => {
        throw new Error('no');
      },
      { retries: 0 },
    );
    app.worker();
    await ok.run();
    await flaky.run();
    await bad.run().catch(() => undefined);
    const text = await app.metrics.text();
    expect(text).toContain('drover_job_success_total{task="ok"} 1');
    expect(text).toContain('drover_job_retry_total{task="flaky"} 1');
    expect(text).toContain('drover_job_failure_total{task="bad"} 1');
    expect(text).toContain('drover_job_duration_seconds_count{task="ok"} 1');
    expect(text).toContain('drover_jobs_active 0');
    expect(text).toMatch(/drover_queue_depth\{queue="ok",state="succeeded"\} 1/);
  });

  it('currentJob() - outside a handler throws', () => {
    expect(() => currentJob()).toThrow(/outside a drover task handler/);
  });
});

describe('bounded memory', () => {
  it('finished jobs past maxFinished are released, oldest first', async () => {
    const app = makeApp({ broker: 'memory:?maxFinished=10' });
    const t = app.task('t', (n: number) => n);
    app.worker({ concurrency: 5 });
    const jobs = await t.callMany(Array.from({ length: 50 }, (_, i) => [i]));
    expect(await jobs[49]!.result()).toBe(49);
    await until(async () =>
      (await app.broker()).counts().then((c) => c[0]!.succeeded <= 10 && c[0]!.waiting === 0 && c[0]!.active === 0),
    );
    await expect(jobs[0]!.status()).rejects.toThrow(/not found/);
    expect((await jobs[49]!.status()).result).toBe(49);
  });

  it('.result() - the job just finished is kept when the cap is reached (only the oldest go)', async () => {
    const app = makeApp({ broker: 'memory:?maxFinished=5' });
    const t = app.task('t', (n: number) => n);
    app.worker({ concurrency: 1 });
    // One at a time: each job finishes before the next call, so every finish past the cap evicts.
    for (let i = 0; i < 12; i++) expect(await (await t.call(i)).result()).toBe(i);
    const counts = await (await app.broker()).counts();
    expect(counts[0]!.succeeded).toBe(5);
  });

  it('memory: refuses past maxQueued with a clear error', async () => {
    const app = makeApp({ broker: 'memory:?maxQueued=3' });
    const t = app.task('t', () => 1);
    await t.callMany([[], [], []]);
    await expect(t.call()).rejects.toThrow(/maxQueued is 3/);
  });
});
