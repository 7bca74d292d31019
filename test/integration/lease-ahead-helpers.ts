import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Broker } from '../../src/brokers/contract.js';
import { Drover } from '../../src/index.js';

/** A herd of 10 runs 3,000 short jobs on `broker` (leasing ahead): each must run exactly once. */
export async function expectEveryJobOnce(broker: Broker): Promise<void> {
  const app = new Drover({ broker });
  const seen = new Map<number, number>();
  const t = app.task('count', (i: number) => {
    seen.set(i, (seen.get(i) ?? 0) + 1);
  });
  const jobs = await t.callMany(Array.from({ length: 3000 }, (_, i) => [i] as [number]));
  app.worker({ concurrency: 10 });
  await Promise.all(jobs.map((job) => job.result({ timeout: 30_000 })));
  await app.close({ grace: 1000 });
  expect(seen.size).toBe(3000);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
}

const options = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0 } };

/** Enqueues `n` jobs of task `t` (no retries) on `queue`; returns their ids in order. */
export async function fill(b: Broker, n: number, queue = 'q', priority = 0): Promise<string[]> {
  const jobs = Array.from({ length: n }, () => ({
    id: randomUUID(),
    task: 't',
    queue,
    args: [],
    priority,
    delayMs: 0,
    options,
  }));
  await b.enqueue(jobs);
  return jobs.map((j) => j.id);
}
