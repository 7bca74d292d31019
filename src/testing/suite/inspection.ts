import { expect } from 'vitest';
import type { QueueCounts } from '../../core/contract/index.js';
import type { BrokerReport, Report } from '../../core/report.js';
import type { SuiteContext } from './helpers.js';
import {
  enqueueAndLease,
  enqueueOne,
  expectStale,
  historyOf,
  leaseOf,
  leaseSoon,
  queueName,
  request,
  sleep,
  waitFor,
} from './helpers.js';

/** watch, onReport, cancel, retry, counts, listJobs, resultTtl, close. */
export function inspectionTests({ open, test }: SuiteContext): void {
  test('.watch() - history from queued on, then live reports, ending with the terminal one', async () => {
    const broker = await open();
    const queue = queueName();
    const job = await enqueueAndLease(broker, queue);
    await broker.progress(job, 1);
    const live: Report[] = [];
    const watch = await broker.watch(job.id, (r) => live.push(r));
    expect(watch!.history.map((r) => r.status)).toEqual(['queued', 'active', 'progress']);
    await broker.progress(job, 2);
    await broker.ack(job, { answer: 42 });
    await waitFor('live progress and succeeded reports', () => live.length >= 2);
    expect(live.map((r) => [r.status, r.progress ?? r.result])).toEqual([
      ['progress', 2],
      ['succeeded', { answer: 42 }],
    ]);
    expect(live.every((r) => r.jobId === job.id && r.attempt === 1)).toBe(true);
    watch!.stop();
    const after = await broker.watch(job.id, () => {});
    expect(after!.history.map((r) => r.status)).toEqual(['queued', 'active', 'progress', 'progress', 'succeeded']);
    after!.stop();
  });

  test(
    '.watch() - stop() ends the live feed; every watcher gets its own',
    async () => {
      const broker = await open();
      const queue = queueName();
      const id = await enqueueOne(broker, request(queue));
      const a: Report[] = [];
      const b: Report[] = [];
      const wa = await broker.watch(id, (r) => a.push(r));
      const wb = await broker.watch(id, (r) => b.push(r));
      const [job] = await broker.lease(leaseOf(queue));
      await waitFor('both watchers to see active', () => a.length === 1 && b.length === 1);
      wa!.stop();
      await broker.ack(job!, 'x');
      await waitFor('the remaining watcher to see succeeded', () => b.length === 2);
      await sleep(50);
      expect(a.map((r) => r.status)).toEqual(['active']);
      expect(b.map((r) => r.status)).toEqual(['active', 'succeeded']);
      wb!.stop();
    },
    ['pullLeasing'],
  );

  test(
    '.onReport() - sees every report with its task and queue',
    async () => {
      const broker = await open();
      const queue = queueName();
      const seen: BrokerReport[] = [];
      const stop = broker.onReport!((r) => seen.push(r));
      const first = await enqueueAndLease(broker, queue, {}, ['a']);
      await broker.progress(first, 'half');
      await broker.nack(first, { error: { name: 'Error', message: 'again' }, retryInMs: 0 });
      const [second] = await leaseSoon(broker, queue);
      await broker.ack(second!, 'done');
      const other = await enqueueAndLease(broker, queue);
      await broker.nack(other, { error: { name: 'Error', message: 'final' } });
      const cancelled = await enqueueOne(broker, request(queue));
      await broker.cancel(cancelled);
      const expected = [
        [first.id, 'queued', 0],
        [first.id, 'active', 1],
        [first.id, 'progress', 1],
        [first.id, 'retrying', 1],
        [first.id, 'active', 2],
        [first.id, 'succeeded', 2],
        [other.id, 'queued', 0],
        [other.id, 'active', 1],
        [other.id, 'failed', 1],
        [cancelled, 'queued', 0],
        [cancelled, 'cancelled', 0],
      ];
      const mine = (): BrokerReport[] => seen.filter((r) => r.queue === queue);
      await waitFor('every report', () => mine().length >= expected.length);
      const got = mine();
      expect(got.map((r) => [r.jobId, r.status, r.attempt])).toEqual(expected);
      expect(got.every((r) => r.task === 'conformance' && typeof r.at === 'number')).toBe(true);
      expect(got.find((r) => r.status === 'progress')?.progress).toBe('half');
      expect(got.find((r) => r.status === 'succeeded')?.result).toBe('done');
      expect(got.find((r) => r.status === 'retrying')?.error?.message).toBe('again');
      expect(got.find((r) => r.status === 'failed')?.error?.message).toBe('final');
      stop();
      await broker.enqueue([request(queue)]);
      await sleep(50);
      expect(mine().length).toBe(expected.length);
    },
    ['reportFeed'],
  );

  test('.cancel() - a queued or delayed job is cancelled and never leased', async () => {
    const broker = await open();
    const queue = queueName();
    const queued = await enqueueOne(broker, request(queue));
    const delayed = await enqueueOne(broker, request(queue, [], { delayMs: 150 }));
    expect(await broker.cancel(queued)).toBe('cancelled');
    expect(await broker.cancel(delayed)).toBe('cancelled');
    for (const id of [queued, delayed]) {
      const job = await broker.getJob(id);
      expect(job?.status).toBe('cancelled');
      expect(job!.finishedAt).toBeGreaterThanOrEqual(job!.createdAt);
      expect((await historyOf(broker, id)).map((r) => r.status)).toEqual(['queued', 'cancelled']);
    }
    await sleep(300);
    expect(await broker.lease(leaseOf(queue))).toEqual([]);
    expect(await broker.cancel(queued)).toBe('finished');
  });

  test('.cancel() - an active job is aborted: onCancel fires and the holder’s ack is stale', async () => {
    const broker = await open();
    const queue = queueName();
    const cancelledIds: string[] = [];
    const stop = broker.onCancel((id) => cancelledIds.push(id));
    const job = await enqueueAndLease(broker, queue);
    expect(await broker.cancel(job.id)).toBe('aborted');
    await waitFor('onCancel', () => cancelledIds.includes(job.id));
    expect((await broker.getJob(job.id))?.status).toBe('cancelled');
    await expectStale(broker.ack(job, 'late'));
    await expectStale(broker.progress(job, 1));
    expect(await broker.extend([job], 1000)).toEqual([false]);
    expect((await historyOf(broker, job.id)).map((r) => r.status)).toEqual(['queued', 'active', 'cancelled']);
    expect(await broker.lease(leaseOf(queue))).toEqual([]);
    stop();
  });

  test('.cancel() - a finished job is left alone; an unknown one is not_found', async () => {
    const broker = await open();
    const job = await enqueueAndLease(broker, queueName());
    await broker.ack(job, 7);
    expect(await broker.cancel(job.id)).toBe('finished');
    expect(await broker.getJob(job.id)).toMatchObject({ status: 'succeeded', result: 7 });
    expect(await broker.cancel(`j-unknown-${queueName()}`)).toBe('not_found');
  });

  test('.retry() - re-runs a failed or cancelled job with a fresh attempt count', async () => {
    const broker = await open();
    const queue = queueName();
    const job = await enqueueAndLease(broker, queue, {}, ['again']);
    expect(await broker.retry(job.id)).toBeUndefined();
    await broker.nack(job, { error: { name: 'Error', message: 'dead letter' } });
    const snapshot = await broker.retry(job.id);
    expect(snapshot).toMatchObject({ id: job.id, status: 'queued', attempt: 0, args: ['again'] });
    const history = await historyOf(broker, job.id);
    expect(history.at(-1)?.status).toBe('queued');
    const [rerun] = await broker.lease(leaseOf(queue));
    expect(rerun).toMatchObject({ id: job.id, attempt: 1 });
    await expectStale(broker.ack(job, 'old lease'));
    await broker.ack(rerun!, 'ok');
    expect(await broker.getJob(job.id)).toMatchObject({ status: 'succeeded', result: 'ok' });
    expect(await broker.retry(job.id)).toBeUndefined();
    const cancelled = await enqueueOne(broker, request(queue));
    await broker.cancel(cancelled);
    expect(await broker.retry(cancelled)).toMatchObject({ status: 'queued', attempt: 0 });
    expect(await broker.retry(`j-unknown-${queueName()}`)).toBeUndefined();
  });

  test(
    '.counts() - waiting, active, delayed, succeeded and failed per queue',
    async () => {
      const broker = await open();
      const [queue, other] = [queueName(), queueName()];
      await broker.enqueue(Array.from({ length: 6 }, (_, i) => request(queue, [i])));
      await broker.enqueue([request(queue, [], { delayMs: 60_000 }), request(other)]);
      const leased = await broker.lease(leaseOf(queue, 3));
      await broker.ack(leased[0]!, 1);
      await broker.nack(leased[1]!, { error: { name: 'Error', message: 'x' } });
      const all = await broker.counts();
      const mine = all.find((c) => c.queue === queue);
      expect(mine).toEqual<QueueCounts>({ queue, waiting: 3, active: 1, delayed: 1, succeeded: 1, failed: 1 });
      expect(all.find((c) => c.queue === other)).toEqual<QueueCounts>({
        queue: other,
        waiting: 1,
        active: 0,
        delayed: 0,
        succeeded: 0,
        failed: 0,
      });
    },
    ['pullLeasing'],
  );

  test(
    '.listJobs() - failed jobs newest first, paged with a cursor',
    async () => {
      const broker = await open();
      const [queue, other] = [queueName(), queueName()];
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const job = await enqueueAndLease(broker, queue, {}, [i]);
        await broker.nack(job, { error: { name: 'Error', message: `fail ${i}` } });
        ids.push(job.id);
        await sleep(2);
      }
      const elsewhere = await enqueueAndLease(broker, other);
      await broker.nack(elsewhere, { error: { name: 'Error', message: 'other queue' } });
      await broker.enqueue([request(queue)]);
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await broker.listJobs({ status: 'failed', queue, limit: 2, cursor });
        expect(page.jobs.length).toBeLessThanOrEqual(2);
        expect(page.jobs.every((j) => j.status === 'failed' && j.queue === queue)).toBe(true);
        pages.push(page.jobs.map((j) => j.id));
        cursor = page.next;
      } while (cursor !== undefined && pages.length < 10);
      expect(pages.flat()).toEqual([...ids].reverse());
      expect(pages[0]).toHaveLength(2);
      const first = await broker.listJobs({ status: 'failed', queue, limit: 1 });
      expect(first.jobs[0]).toMatchObject({ id: ids[4], error: { message: 'fail 4' }, args: [4] });
      const all = await broker.listJobs({ status: 'failed', limit: 1000 });
      expect(all.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([...ids, elsewhere.id]));
      const queued = await broker.listJobs({ status: 'queued', queue, limit: 10 });
      expect(queued.jobs).toHaveLength(1);
      expect(queued.next).toBeUndefined();
    },
    ['pullLeasing'],
  );

  test('resultTtl - results stay in getJob until the TTL, then are pruned', async () => {
    const broker = await open({ resultTtl: 400 });
    const queue = queueName();
    const job = await enqueueAndLease(broker, queue);
    const pending = await enqueueOne(broker, request(queue, [], { delayMs: 60_000 }));
    await broker.ack(job, { kept: true });
    const finished = Date.now();
    expect((await broker.getJob(job.id))?.result).toEqual({ kept: true });
    await sleep(150);
    const kept = await broker.getJob(job.id);
    if (Date.now() - finished < 350) expect(kept?.result).toEqual({ kept: true });
    await waitFor('the finished job to expire', async () => (await broker.getJob(job.id)) === undefined, 4000);
    expect(Date.now() - finished).toBeGreaterThanOrEqual(350);
    expect(await broker.watch(job.id, () => {})).toBeUndefined();
    expect((await broker.getJob(pending))?.status).toBe('delayed');
  });

  test('.close() - idempotent', async () => {
    const broker = await open();
    await broker.enqueue([request(queueName())]);
    await Promise.all([broker.close(), broker.close()]);
    await broker.close();
  });
}
