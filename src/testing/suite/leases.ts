import { expect } from 'vitest';
import type { SuiteContext } from './helpers.js';
import {
  LEASE_MS,
  SOON_MS,
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

/** Lease expiry and redelivery, extend, stale tokens, release. */
export function leaseTests({ open, test }: SuiteContext): void {
  test(
    'lease expiry - the job is delivered again, the attempt counted, with a retrying report',
    async () => {
      const broker = await open();
      const queue = queueName();
      const first = await enqueueAndLease(broker, queue, {
        options: { retries: 2, backoff: { type: 'fixed', delay: 10, max: 10 } },
      });
      const leasedAt = Date.now();
      expect(first.attempt).toBe(1);
      const [second] = await leaseSoon(broker, queue, LEASE_MS + SOON_MS);
      expect(Date.now() - leasedAt).toBeGreaterThanOrEqual(LEASE_MS - 30);
      expect(second).toMatchObject({ id: first.id, attempt: 2 });
      expect(second!.token).not.toBe(first.token);
      const statuses = (await historyOf(broker, first.id)).map((r) => [r.status, r.attempt]);
      expect(statuses).toEqual([
        ['queued', 0],
        ['active', 1],
        ['retrying', 1],
        ['active', 2],
      ]);
      const retrying = (await historyOf(broker, first.id))[2]!;
      expect(retrying.error).toMatchObject({ code: 'ERR_DROVER_LEASE_EXPIRED' });
      expect(typeof retrying.error?.message).toBe('string');
      await broker.ack(second!, 'ok');
      expect(await broker.getJob(first.id)).toMatchObject({ status: 'succeeded', attempt: 2, result: 'ok' });
    },
    ['pullLeasing'],
  );

  test(
    'lease expiry - attempts exhausted by expiries fail the job for good with an error',
    async () => {
      const broker = await open();
      const queue = queueName();
      const first = await enqueueAndLease(broker, queue, {
        options: { retries: 1, backoff: { type: 'fixed', delay: 10, max: 10 } },
      });
      const [second] = await leaseSoon(broker, queue, LEASE_MS + SOON_MS);
      expect(second).toMatchObject({ id: first.id, attempt: 2 });
      await waitFor(
        'the job to fail after its last lease expired',
        async () => (await broker.getJob(first.id))?.status === 'failed',
        LEASE_MS + SOON_MS,
      );
      const job = await broker.getJob(first.id);
      expect(job).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'ERR_DROVER_LEASE_EXPIRED' } });
      expect(job!.finishedAt).toBeGreaterThanOrEqual(job!.startedAt!);
      const history = await historyOf(broker, first.id);
      expect(history.map((r) => r.status)).toEqual(['queued', 'active', 'retrying', 'active', 'failed']);
      expect(history.at(-1)).toMatchObject({ attempt: 2, error: { code: 'ERR_DROVER_LEASE_EXPIRED' } });
      await sleep(LEASE_MS);
      expect(await broker.lease(leaseOf(queue))).toEqual([]);
      await expectStale(broker.ack(second!, 'too late'));
    },
    ['pullLeasing'],
  );

  test(
    '.extend() - keeps the lease past its first expiry; false for a stale lease',
    async () => {
      const broker = await open();
      const queue = queueName();
      const id = await enqueueOne(broker, request(queue));
      // A longer lease here, renewed often: a loaded machine must not make it lapse between renewals.
      const [job] = await broker.lease(leaseOf(queue, 1, LEASE_MS * 2));
      expect(job?.id).toBe(id);
      const leasedAt = Date.now();
      while (Date.now() < leasedAt + LEASE_MS * 4) {
        await sleep(LEASE_MS / 3);
        expect(await broker.extend([job!], LEASE_MS * 2)).toEqual([true]);
        expect(await broker.lease(leaseOf(queue))).toEqual([]);
      }
      expect((await broker.getJob(id))?.status).toBe('active');
      expect(
        await broker.extend([job!, { id, token: 'not-a-token' }, { id: 'no-such-job', token: 'x' }], LEASE_MS),
      ).toEqual([true, false, false]);
      expect(await broker.extend([], LEASE_MS)).toEqual([]);
      await broker.ack(job!, 1);
      expect(await broker.extend([job!], LEASE_MS)).toEqual([false]);
    },
    ['pullLeasing'],
  );

  test(
    '.ack(), .nack(), .progress() - a stale token is refused with StaleLeaseError; one recorded outcome',
    async () => {
      const broker = await open();
      const queue = queueName();
      const stale = await enqueueAndLease(broker, queue);
      const [fresh] = await leaseSoon(broker, queue, LEASE_MS + SOON_MS);
      expect(fresh!.id).toBe(stale.id);
      await expectStale(broker.ack(stale, 'from the stale holder'));
      await expectStale(broker.nack(stale, { error: { name: 'Error', message: 'stale' } }));
      await expectStale(broker.nack(stale, { error: { name: 'Error', message: 'stale' }, retryInMs: 10 }));
      await expectStale(broker.progress(stale, 50));
      await expectStale(broker.ack({ id: stale.id, token: 'made-up' }, 'x'));
      expect(await broker.extend([stale], LEASE_MS)).toEqual([false]);
      await broker.ack(fresh!, { from: 'fresh' });
      await expectStale(broker.ack(fresh!, 'twice'));
      await expectStale(broker.nack(fresh!, { error: { name: 'Error', message: 'after ack' } }));
      await expectStale(broker.progress(fresh!, 99));
      const job = await broker.getJob(stale.id);
      expect(job).toMatchObject({ status: 'succeeded', result: { from: 'fresh' }, attempt: 2 });
      const history = await historyOf(broker, stale.id);
      expect(history.filter((r) => r.status === 'succeeded')).toHaveLength(1);
      expect(history.some((r) => r.status === 'failed' || r.status === 'progress')).toBe(false);
      let error: unknown;
      await broker.ack(stale, 'x').catch((e: unknown) => (error = e));
      expect(error).toMatchObject({ name: 'StaleLeaseError', code: 'ERR_DROVER_STALE_LEASE' });
    },
    ['pullLeasing'],
  );

  test(
    '.release() - queued again with the attempt not counted; stale releases are ignored',
    async () => {
      const broker = await open();
      const queue = queueName();
      const job = await enqueueAndLease(broker, queue);
      await broker.release([job]);
      expect(await broker.getJob(job.id)).toMatchObject({ status: 'queued', attempt: 0 });
      const [again] = await broker.lease(leaseOf(queue));
      expect(again).toMatchObject({ id: job.id, attempt: 1 });
      expect(again!.token).not.toBe(job.token);
      await expectStale(broker.ack(job, 'old token'));
      await broker.release([job, { id: job.id, token: 'bogus' }, { id: 'no-such-job', token: 'x' }]);
      expect((await broker.getJob(job.id))?.status).toBe('active');
      await broker.release([]);
      await broker.ack(again!, 'done');
      await broker.release([again!]);
      expect(await broker.getJob(job.id)).toMatchObject({ status: 'succeeded', result: 'done' });
    },
    ['pullLeasing'],
  );
}
