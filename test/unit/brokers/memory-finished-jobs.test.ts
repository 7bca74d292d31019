import { describe, expect, it } from 'vitest';
import { FinishedJobs } from '../../../src/brokers/memory/finished-jobs.js';
import type { JobKind, MemoryJob } from '../../../src/brokers/memory/memory-job.js';
import { createJob, sinceEpoch } from '../../../src/brokers/memory/memory-job.js';
import { ReadyQueue } from '../../../src/brokers/memory/ready-queue.js';
import type { StoredJobOptions } from '../../../src/core/contract/index.js';
import type { JobStatus } from '../../../src/core/report.js';

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
