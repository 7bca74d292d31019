import { expect } from 'vitest';
import type { SuiteContext } from './helpers.js';
import { LEASE_MS, SAMPLE_VALUES, enqueueOne, leaseOf, queueName, request, sleep, waitFor } from './helpers.js';

/** Enqueue (one, batch), ordering, priorities, delays, onReady. */
export function enqueueAndLeaseTests({ open, test }: SuiteContext): void {
  test(
    '.enqueue() - one job is stored as queued with its args and options',
    async () => {
      const broker = await open();
      const queue = queueName();
      const req = request(queue, [...SAMPLE_VALUES], {
        priority: 3,
        options: { retries: 2, timeout: 1500, backoff: { type: 'exponential', delay: 100, max: 1000, jitter: true } },
      });
      const before = Date.now();
      const results = await broker.enqueue([req]);
      expect(results).toEqual([{ id: req.id, status: 'queued', duplicate: false }]);
      const job = await broker.getJob(req.id);
      expect(job).toMatchObject({ id: req.id, task: 'conformance', queue, status: 'queued', attempt: 0, priority: 3 });
      expect(job!.args).toEqual(SAMPLE_VALUES);
      expect(job!.options).toEqual(req.options);
      expect(job!.createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(job!.createdAt).toBeLessThanOrEqual(Date.now() + 1000);
      expect(job!.runAt).toBeGreaterThanOrEqual(job!.createdAt);
      expect(job!.startedAt).toBeUndefined();
      expect(job!.finishedAt).toBeUndefined();
    },
    ['keepsIds'],
  );

  test(
    '.enqueue() - a batch returns one result per job, in order',
    async () => {
      const broker = await open();
      const queue = queueName();
      const reqs = Array.from({ length: 25 }, (_, i) => request(queue, [i, `s${i}`, { i }]));
      const results = await broker.enqueue(reqs);
      expect(results.map((r) => r.id)).toEqual(reqs.map((r) => r.id));
      expect(results.every((r) => r.status === 'queued' && !r.duplicate)).toBe(true);
      const jobs = await broker.lease(leaseOf(queue, 100));
      expect(jobs.map((j) => j.id)).toEqual(reqs.map((r) => r.id));
      expect(jobs.map((j) => j.args)).toEqual(reqs.map((r) => r.args));
      expect(await broker.enqueue([])).toEqual([]);
    },
    ['keepsIds', 'pullLeasing'],
  );

  test(
    '.lease() - FIFO within a priority, one by one and in batches',
    async () => {
      const broker = await open();
      const queue = queueName();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await enqueueOne(broker, request(queue, [i])));
      const batch = Array.from({ length: 4 }, (_, i) => request(queue, [4 + i]));
      await broker.enqueue(batch);
      ids.push(...batch.map((r) => r.id));
      const leased: string[] = [];
      for (;;) {
        const jobs = await broker.lease(leaseOf(queue, 3));
        if (jobs.length === 0) break;
        expect(jobs.length).toBeLessThanOrEqual(3);
        leased.push(...jobs.map((j) => j.id));
      }
      expect(leased).toEqual(ids);
    },
    ['keepsIds', 'pullLeasing'],
  );

  test(
    '.lease() - higher priority first, FIFO among equals',
    async () => {
      const broker = await open();
      const queue = queueName();
      const reqs = [0, 5, 1, 5, -2, 1].map((priority, i) => request(queue, [i], { priority }));
      await broker.enqueue(reqs);
      const jobs = await broker.lease(leaseOf(queue, 10));
      const [p0, p5a, p1a, p5b, pm2, p1b] = reqs.map((r) => r.id);
      expect(jobs.map((j) => j.id)).toEqual([p5a, p5b, p1a, p1b, p0, pm2]);
    },
    ['keepsIds', 'pullLeasing'],
  );

  test(
    '.lease() - highest priority first across the queues requested together',
    async () => {
      const broker = await open();
      const [qa, qb, qc] = [queueName(), queueName(), queueName()];
      const low = request(qa, ['low'], { priority: 0 });
      const high = request(qb, ['high'], { priority: 9 });
      const mid = request(qc, ['mid'], { priority: 4 });
      await broker.enqueue([low]);
      await broker.enqueue([high, mid]);
      const order: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [job] = await broker.lease(leaseOf([qa, qb, qc], 1));
        order.push(job!.id);
      }
      expect(order).toEqual([high.id, mid.id, low.id]);
      expect(await broker.lease(leaseOf([qa, qb, qc], 1))).toEqual([]);
    },
    ['keepsIds', 'pullLeasing'],
  );

  test(
    '.lease() - takes only the requested queues, at most max, and hides leased jobs',
    async () => {
      const broker = await open();
      const [mine, other] = [queueName(), queueName()];
      await broker.enqueue([request(other, ['other'])]);
      const reqs = [1, 2, 3].map((i) => request(mine, [i]));
      await broker.enqueue(reqs);
      const before = Date.now();
      const first = await broker.lease(leaseOf(mine, 2));
      expect(first.map((j) => j.id)).toEqual([reqs[0]!.id, reqs[1]!.id]);
      const job = first[0]!;
      expect(job).toMatchObject({ task: 'conformance', queue: mine, args: [1], attempt: 1, options: reqs[0]!.options });
      expect(typeof job.token).toBe('string');
      expect(job.token.length).toBeGreaterThan(0);
      expect(first[0]!.token).not.toBe(first[1]!.token);
      expect(job.expiresAt).toBeGreaterThanOrEqual(before + LEASE_MS - 1000);
      expect(job.expiresAt).toBeLessThanOrEqual(Date.now() + LEASE_MS + 1000);
      const second = await broker.lease(leaseOf(mine, 5));
      expect(second.map((j) => j.id)).toEqual([reqs[2]!.id]);
      expect(await broker.lease(leaseOf(mine, 5))).toEqual([]);
      const snapshot = await broker.getJob(job.id);
      expect(snapshot).toMatchObject({ status: 'active', attempt: 1, workerId: 'conformance-worker' });
      expect(snapshot!.startedAt).toBeGreaterThanOrEqual(snapshot!.createdAt);
      expect((await broker.getJob(reqs[2]!.id))?.status).toBe('active');
    },
    ['keepsIds', 'pullLeasing'],
  );

  test('.lease() - an empty or unknown queue gives an empty array', async () => {
    const broker = await open();
    expect(await broker.lease(leaseOf(queueName(), 10))).toEqual([]);
  });

  test('delayMs - not leasable before it is due, leasable after; onReady fires when due', async () => {
    const broker = await open();
    const queue = queueName();
    const delayMs = 400;
    const calls: number[] = [];
    const stop = broker.onReady(() => calls.push(Date.now()));
    const start = Date.now();
    const [result] = await broker.enqueue([request(queue, ['later'], { delayMs })]);
    expect(result).toMatchObject({ status: 'delayed', duplicate: false });
    const snapshot = await broker.getJob(result!.id);
    expect(snapshot?.status).toBe('delayed');
    expect(snapshot!.runAt - snapshot!.createdAt).toBeGreaterThanOrEqual(delayMs - 20);
    // Only while surely not yet due (a loaded machine may oversleep).
    const early = async (): Promise<void> => {
      const jobs = await broker.lease(leaseOf(queue));
      if (Date.now() - start < delayMs - 50) expect(jobs).toEqual([]);
      else await broker.release(jobs);
    };
    await early();
    await sleep(delayMs / 2);
    await early();
    await waitFor('onReady after the delay is due', () => calls.some((t) => t >= start + delayMs - 20));
    const [job] = await broker.lease(leaseOf(queue));
    expect(Date.now() - start).toBeGreaterThanOrEqual(delayMs - 20);
    expect(job).toMatchObject({ id: result!.id, args: ['later'], attempt: 1 });
    stop();
  });

  test(
    '.onReady() - fires after enqueue and release; the unsubscribe stops it',
    async () => {
      const broker = await open();
      const queue = queueName();
      let calls = 0;
      const stop = broker.onReady(() => calls++);
      await broker.enqueue([request(queue, [1])]);
      await waitFor('onReady after enqueue', () => calls > 0);
      const [job] = await broker.lease(leaseOf(queue));
      const afterLease = calls;
      await broker.release([job!]);
      await waitFor('onReady after release', () => calls > afterLease);
      stop();
      await sleep(20);
      const afterStop = calls;
      await broker.enqueue([request(queue, [2])]);
      await sleep(100);
      expect(calls).toBe(afterStop);
    },
    ['pullLeasing'],
  );

  test(
    '.enqueue() - 1,000 jobs in one batch are all leasable',
    async () => {
      const broker = await open();
      const queue = queueName();
      const reqs = Array.from({ length: 1000 }, (_, i) => request(queue, [i]));
      const results = await broker.enqueue(reqs);
      expect(results).toHaveLength(1000);
      const seen = new Set<string>();
      for (;;) {
        const jobs = await broker.lease(leaseOf(queue, 300, 10_000));
        if (jobs.length === 0) break;
        for (const j of jobs) {
          expect(seen.has(j.id)).toBe(false);
          seen.add(j.id);
          await broker.ack(j, j.args[0]);
        }
      }
      expect(seen.size).toBe(1000);
      expect(await broker.lease(leaseOf(queue, 10))).toEqual([]);
    },
    ['pullLeasing'],
  );
}
