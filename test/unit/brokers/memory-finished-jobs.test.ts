import { describe, expect, it } from 'vitest';
import { FinishedJobs } from '../../../src/brokers/memory/finished-jobs.js';
import type { JobKind, MemoryJob } from '../../../src/brokers/memory/memory-job.js';
import { createJob, sinceEpoch } from '../../../src/brokers/memory/memory-job.js';
import { ReadyQueue } from '../../../src/brokers/memory/ready-queue.js';
import type { StoredJobOptions } from '../../../src/core/contract/index.js';
import type { JobStatus } from '../../../src/core/report.js';
import { JobCancelledError, JobNotFoundError } from '../../../src/index.js';
import { makeApp } from '../core/helpers.js';

const kind = (queue: string): JobKind => ({
  task: 't',
  queue,
  options: { retries: 0 } as unknown as StoredJobOptions,
  stats: { waiting: 0, active: 0, delayed: 0, succeeded: 0, failed: 0 },
  ready: new ReadyQueue<MemoryJob>(),
  broker: {},
});
const KINDS = [kind('a'), kind('b')];

let seq = 0;
function finished(status: 'succeeded' | 'failed' | 'cancelled', at: number, withMore = false): MemoryJob {
  const n = seq++;
  const job = createJob(
    { id: `job-${n}`, task: 't', queue: 'a', args: [n], priority: n % 3, delayMs: 0, options: KINDS[0]!.options },
    KINDS[n % 2]!,
    n,
    at,
  );
  job.status = status;
  job.attempt = 1;
  job.result = status === 'succeeded' ? { n } : undefined;
  job.startedMs = sinceEpoch(at);
  job.finishedMs = sinceEpoch(at);
  if (withMore)
    job.more = {
      key: undefined,
      flow: undefined,
      error: undefined,
      progress: n,
      log: undefined,
      handlerLogs: undefined,
      graph: undefined,
    };
  return job;
}

// The memory broker's columnar store of finished jobs, against a model (a Map of what should be kept).
describe('FinishedJobs (memory broker)', () => {
  it('keeps the newest max jobs, finds them by id, drops the oldest first across chunks', () => {
    const dropped: string[] = [];
    const store = new FinishedJobs(2_500, (id) => dropped.push(id));
    const jobs = Array.from({ length: 6_000 }, (_, i) => finished('succeeded', 1_000 + i, i % 7 === 0));
    for (const job of jobs) store.add(job);
    expect(store.size).toBe(2_500);
    expect(dropped).toEqual(jobs.slice(0, 3_500).map((j) => j.id));
    expect(store.get(jobs[3_499]!.id)).toBeUndefined();
    expect(store.holds(jobs[3_499]!)).toBe(false);
    for (const job of jobs.slice(3_500)) {
      expect(store.holds(job)).toBe(true);
      const got = store.get(job.id)!;
      expect({ ...got, bits: 0 }).toEqual({ ...job, bits: 0 });
      if (job.more !== undefined) expect(got).toBe(job);
    }
  });

  it('.evict() - drops jobs finished before a time, oldest first', () => {
    const store = new FinishedJobs(100_000, () => {});
    const jobs = Array.from({ length: 3_000 }, (_, i) => finished('succeeded', Date.now() - 3_000 + i));
    for (const job of jobs) store.add(job);
    store.evict(Date.now() - 1_000);
    expect(store.size).toBeGreaterThan(900);
    expect(store.size).toBeLessThan(1_100);
    expect(store.get(jobs[0]!.id)).toBeUndefined();
    expect(store.get(jobs[2_999]!.id)?.id).toBe(jobs[2_999]!.id);
  });

  it('.take(), .purge() and compaction keep lookups, holds() and the count right', () => {
    const dropped: string[] = [];
    const store = new FinishedJobs(50_000, (id) => dropped.push(id));
    const model = new Map<string, MemoryJob>();
    const statuses: JobStatus[] = ['succeeded', 'failed', 'cancelled'];
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 700; i++) {
        const job = finished(statuses[i % 3] as 'succeeded', 1_000 + round, i % 5 === 0);
        store.add(job);
        model.set(job.id, job);
      }
      // Run some again (from their restored record or their own), purge a queue's older ones.
      const ids = [...model.keys()];
      // Round 10 runs most of them again: dead rows outnumber the kept ones, so the rows are compacted.
      for (let i = round % 4; i < ids.length; i += round === 10 ? 1 + (i % 3 === 0 ? 1 : 0) : 9) {
        const id = ids[i]!;
        store.take(store.get(id)!);
        model.delete(id);
      }
      if (round % 5 === 4) {
        const n = store.purge((_s, k, _seq, finishedAt) => k.queue === 'b' && finishedAt < 1_000 + round);
        let expected = 0;
        for (const [id, job] of model)
          if (job.kind.queue === 'b' && job.finishedMs! + 0 < sinceEpoch(1_000 + round)) {
            model.delete(id);
            expected++;
          }
        expect(n).toBe(expected);
      }
      expect(store.size).toBe(model.size);
    }
    for (const [id, job] of model) {
      expect(store.get(id)?.status).toBe(job.status);
      if (job.more !== undefined) expect(store.holds(job)).toBe(true);
    }
    const page = store.page((s) => s === 'failed', 10);
    const failed = [...model.values()].filter((j) => j.status === 'failed').sort((a, b) => b.seq - a.seq);
    expect(page.jobs.map((j) => j.id)).toEqual(failed.slice(0, 10).map((j) => j.id));
    expect(page.more).toBe(failed.length > 10);
  });
});

// Through the app: what a finished job's record going away must not change.
describe('memory: finished jobs kept in columns (through the app)', () => {
  it('getJob, listJobs by status and result() of finished jobs read their rows', async () => {
    const app = makeApp();
    const t = app.task('t', (x: number) => ({ x }));
    app.worker({ concurrency: 4 });
    const jobs = await Promise.all(Array.from({ length: 50 }, (_, i) => t.call(i)));
    for (const [i, job] of jobs.entries()) expect(await job.result()).toEqual({ x: i });
    const broker = await app.broker();
    const snapshot = await broker.getJob(jobs[7]!.id);
    expect(snapshot).toMatchObject({ id: jobs[7]!.id, task: 't', status: 'succeeded', args: [7], result: { x: 7 } });
    expect(snapshot!.finishedAt).toBeGreaterThanOrEqual(snapshot!.startedAt!);
    const page = await broker.listJobs({ status: 'succeeded', limit: 10 });
    expect(page.jobs.map((j) => j.id)).toEqual(
      jobs
        .slice(40)
        .reverse()
        .map((j) => j.id),
    );
    const next = await broker.listJobs({ status: 'succeeded', limit: 45, cursor: page.next! });
    expect(next.jobs).toHaveLength(40);
    expect(next.next).toBeUndefined();
    expect((await jobs[3]!.status()).status).toBe('succeeded');
  });

  it('a cancelled job run again: the old handle waits for the new run', async () => {
    const app = makeApp();
    const t = app.task('t', () => 'ran');
    const job = await t.call();
    await job.cancel();
    await expect(job.result()).rejects.toBeInstanceOf(JobCancelledError);
    const broker = await app.broker();
    expect((await broker.retry(job.id))?.status).toBe('queued');
    const again = job.result();
    app.worker();
    expect(await again).toBe('ran');
    expect(await job.result()).toBe('ran');
    const watch = (await broker.watch(job.id, () => {}))!;
    watch.stop();
    expect(watch.history.map((r) => r.status)).toEqual(['queued', 'cancelled', 'queued', 'active', 'succeeded']);
  });

  it('purge forgets finished jobs of a queue and their counts', async () => {
    const app = makeApp();
    const t = app.task('t', () => 1);
    app.worker();
    const jobs = await Promise.all(Array.from({ length: 20 }, () => t.call()));
    await Promise.all(jobs.map((j) => j.result()));
    const broker = await app.broker();
    expect((await broker.counts()).find((c) => c.queue === 't')?.succeeded).toBe(20);
    expect(await broker.purgeQueue!('t', 0)).toBe(20);
    expect((await broker.counts()).find((c) => c.queue === 't')?.succeeded).toBe(0);
    expect(await broker.getJob(jobs[0]!.id)).toBeUndefined();
    await expect(jobs[0]!.result()).rejects.toBeInstanceOf(JobNotFoundError);
  });
});
