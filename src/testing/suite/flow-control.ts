import { expect } from 'vitest';
import type { Broker, LeasedJob } from '../../core/contract/index.js';
import type { SuiteContext } from './helpers.js';
import { enqueueOne, leaseOf, queueName, request, sleep, waitFor } from './helpers.js';

/** Enqueues one job per group name (`''` = no group), in order; returns their ids. */
async function enqueueGroups(broker: Broker, queue: string, groups: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const group of groups) {
    const req = request(queue, [group]);
    if (group !== '') req.options = { ...req.options, group };
    ids.push(await enqueueOne(broker, req));
  }
  return ids;
}

const idsOf = (jobs: readonly LeasedJob[]): string[] => jobs.map((j) => j.id);

/** Leasing under the queue settings (paused, rateLimit, groupConcurrency) and `limitQueue`. */
export function flowControlTests({ open, test }: SuiteContext): void {
  test(
    '.lease() - a paused queue leases nothing and keeps its jobs queued; resume leases them',
    async () => {
      const broker = await open();
      const [queue, other] = [queueName(), queueName()];
      await broker.setQueueSettings!(queue, { paused: true });
      const id = await enqueueOne(broker, request(queue));
      const otherId = await enqueueOne(broker, request(other));
      expect(idsOf(await broker.lease(leaseOf([queue, other])))).toEqual([otherId]);
      expect((await broker.getJob(id))?.status).toBe('queued');
      expect(await broker.queueLimits!(queue)).toMatchObject({ paused: true, limited: 1 });
      await broker.setQueueSettings!(queue, { paused: false });
      expect(idsOf(await broker.lease(leaseOf(queue)))).toEqual([id]);
      expect(await broker.queueLimits!(queue)).toMatchObject({ paused: false, limited: 0 });
    },
    ['flowControl'],
  );

  test(
    '.lease() - rateLimit: at most max leases in any window of per ms, the rest stay queued',
    async () => {
      const broker = await open();
      const queue = queueName();
      await broker.setQueueSettings!(queue, { rateLimit: { max: 3, per: 400 } });
      const ids = await enqueueGroups(broker, queue, Array<string>(8).fill(''));
      const t0 = Date.now();
      const first = await broker.lease(leaseOf(queue, 10));
      expect(idsOf(first)).toEqual(ids.slice(0, 3));
      expect(await broker.lease(leaseOf(queue, 10))).toEqual([]);
      expect((await broker.getJob(ids[3]!))?.status).toBe('queued');
      expect((await broker.queueLimits!(queue)).limited).toBe(5);
      // Acks do not open the window: it slides with time.
      for (const job of first) await broker.ack(job, null);
      expect(await broker.lease(leaseOf(queue, 10))).toEqual([]);
      let second: LeasedJob[] = [];
      await waitFor('the window to slide', async () => (second = await broker.lease(leaseOf(queue, 10))).length > 0);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
      expect(idsOf(second)).toEqual(ids.slice(3, 6));
    },
    ['flowControl'],
  );

  test(
    '.lease() - rateLimit is a sliding window, not fixed buckets',
    async () => {
      const broker = await open();
      const queue = queueName();
      await broker.setQueueSettings!(queue, { rateLimit: { max: 2, per: 600 } });
      await enqueueGroups(broker, queue, Array<string>(6).fill(''));
      expect(await broker.lease(leaseOf(queue, 1))).toHaveLength(1);
      await sleep(300);
      expect(await broker.lease(leaseOf(queue, 10))).toHaveLength(1);
      // 600 ms after the first lease only its slot is free again, not both.
      await waitFor('the first slot to free', async () => (await broker.lease(leaseOf(queue, 10))).length > 0);
      expect(await broker.lease(leaseOf(queue, 10))).toEqual([]);
    },
    ['flowControl'],
  );

  test(
    '.lease() - groupConcurrency: a full group is skipped, not blocking other groups or ungrouped jobs',
    async () => {
      const broker = await open();
      const queue = queueName();
      await broker.setQueueSettings!(queue, { groupConcurrency: 1 });
      const [a1, a2, a3, b1, none, b2] = await enqueueGroups(broker, queue, ['a', 'a', 'a', 'b', '', 'b']);
      const leased = await broker.lease(leaseOf(queue, 10));
      expect(idsOf(leased)).toEqual([a1, b1, none]);
      expect(await broker.lease(leaseOf(queue, 10))).toEqual([]);
      expect((await broker.getJob(a2!))?.status).toBe('queued');
      expect((await broker.queueLimits!(queue)).limited).toBe(3);
      await broker.ack(leased[0]!, null);
      await waitFor('a2 to be leasable', async () => idsOf(await broker.lease(leaseOf(queue, 10)))[0] === a2);
      await broker.ack(leased[1]!, null);
      await waitFor('b2 to be leasable', async () => idsOf(await broker.lease(leaseOf(queue, 10)))[0] === b2);
      expect((await broker.getJob(a3!))?.status).toBe('queued');
    },
    ['flowControl'],
  );

  test(
    '.lease() - groupConcurrency: a slot frees on retry, release, cancel and a raised limit',
    async () => {
      const broker = await open();
      const queue = queueName();
      await broker.setQueueSettings!(queue, { groupConcurrency: 1 });
      const ids = await enqueueGroups(broker, queue, ['g', 'g', 'g', 'g', 'g']);
      const next = async (): Promise<LeasedJob> => {
        let jobs: LeasedJob[] = [];
        await waitFor('a slot of the group', async () => (jobs = await broker.lease(leaseOf(queue, 10))).length > 0);
        expect(jobs).toHaveLength(1);
        return jobs[0]!;
      };
      const first = await next();
      await broker.nack(first, { error: { name: 'Error', message: 'again' }, retryInMs: 60_000 });
      const second = await next();
      await broker.release([second]);
      const third = await next();
      expect(await broker.cancel(third.id)).toBe('aborted');
      const fourth = await next();
      expect([first.id, third.id]).not.toContain(fourth.id);
      expect(ids).toEqual(expect.arrayContaining([first.id, second.id, third.id, fourth.id]));
      await broker.setQueueSettings!(queue, { groupConcurrency: 3 });
      await waitFor('two more slots', async () => (await broker.lease(leaseOf(queue, 10))).length === 2);
    },
    ['flowControl'],
  );

  test(
    '.lease() - groupConcurrency: a group holds across lease calls (and brokers sharing the store)',
    async () => {
      const broker = await open();
      const queue = queueName();
      await broker.setQueueSettings!(queue, { groupConcurrency: 2 });
      await enqueueGroups(broker, queue, ['g', 'g', 'g', 'g']);
      const seen: LeasedJob[] = [];
      for (let i = 0; i < 4; i++) seen.push(...(await broker.lease(leaseOf(queue, 1))));
      expect(seen).toHaveLength(2);
    },
    ['flowControl'],
  );

  test(
    '.limitQueue() - the queue leases nothing until the time is up; other queues are not held back',
    async () => {
      const broker = await open();
      const [queue, other] = [queueName(), queueName()];
      const id = await enqueueOne(broker, request(queue));
      const otherId = await enqueueOne(broker, request(other));
      const t0 = Date.now();
      await broker.limitQueue!(queue, 400);
      expect(idsOf(await broker.lease(leaseOf([queue, other])))).toEqual([otherId]);
      const limits = await broker.queueLimits!(queue);
      expect(limits.limited).toBe(1);
      expect(limits.limitedUntil).toBeGreaterThanOrEqual(t0 + 300);
      let jobs: LeasedJob[] = [];
      await waitFor('the limit to end', async () => (jobs = await broker.lease(leaseOf(queue))).length > 0);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
      expect(idsOf(jobs)).toEqual([id]);
      expect((await broker.queueLimits!(queue)).limited).toBe(0);
    },
    ['flowControl'],
  );

  test(
    '.purgeQueue() - deletes finished jobs of the queue older than the age, and nothing else',
    async () => {
      const broker = await open();
      const [queue, other] = [queueName(), queueName()];
      const [done, failed, waiting] = await enqueueGroups(broker, queue, ['', '', '']);
      const otherId = await enqueueOne(broker, request(other));
      const jobs = await broker.lease(leaseOf([queue, other], 10));
      const byId = new Map(jobs.map((j) => [j.id, j]));
      await broker.ack(byId.get(done!)!, 'ok');
      await broker.nack(byId.get(failed!)!, { error: { name: 'Error', message: 'no' } });
      await broker.ack(byId.get(otherId)!, 'ok');
      await broker.release([byId.get(waiting!)!]);
      expect(await broker.purgeQueue!(queue, 60_000)).toBe(0);
      await sleep(20);
      expect(await broker.purgeQueue!(queue, 10)).toBe(2);
      expect(await broker.getJob(done!)).toBeUndefined();
      expect(await broker.getJob(failed!)).toBeUndefined();
      expect((await broker.getJob(waiting!))?.status).toBe('queued');
      expect((await broker.getJob(otherId))?.status).toBe('succeeded');
      const counts = (await broker.counts()).find((c) => c.queue === queue);
      expect(counts).toMatchObject({ succeeded: 0, failed: 0, waiting: 1 });
    },
    ['flowControl'],
  );
}
