import { expect } from 'vitest';
import { drainQueue, retryFailedJobs } from '../../core/queue-ops.js';
import type { SuiteContext } from './helpers.js';
import { enqueueOne, leaseOf, leaseSoon, queueName, request, waitFor } from './helpers.js';

/** The bulk queue actions built on the plain contract (`app.queue(name).drain()`, `.retryFailed()`). */
export function queueOpsTests({ open, test }: SuiteContext): void {
  test('drainQueue() - cancels what waits (queued and delayed), not active jobs or other queues', async () => {
    const broker = await open();
    const [queue, other] = [queueName(), queueName()];
    const running = await enqueueOne(broker, request(queue));
    const [active] = await leaseSoon(broker, queue, undefined, 1);
    expect(active?.id).toBe(running);
    const waiting = [await enqueueOne(broker, request(queue)), await enqueueOne(broker, request(queue))];
    const delayed = await enqueueOne(broker, request(queue, [], { delayMs: 60_000 }));
    const otherId = await enqueueOne(broker, request(other));
    expect(await drainQueue(broker, queue)).toBe(3);
    for (const id of [...waiting, delayed]) expect((await broker.getJob(id))?.status).toBe('cancelled');
    expect((await broker.getJob(running))?.status).toBe('active');
    expect((await broker.getJob(otherId))?.status).toBe('queued');
    expect(await drainQueue(broker, queue)).toBe(0);
  });

  test('retryFailedJobs() - re-runs every failed job of the queue with a fresh attempt count', async () => {
    const broker = await open();
    const [queue, other] = [queueName(), queueName()];
    const ids = [await enqueueOne(broker, request(queue)), await enqueueOne(broker, request(queue))];
    const otherId = await enqueueOne(broker, request(other));
    let failed = 0;
    await waitFor('three failed jobs', async () => {
      for (const job of await broker.lease(leaseOf([queue, other], 10))) {
        await broker.nack(job, { error: { name: 'Error', message: 'no' } });
        failed++;
      }
      return failed === 3;
    });
    expect(await retryFailedJobs(broker, queue)).toBe(2);
    // Queued again (a push broker may already have handed it to its holder).
    for (const id of ids) expect(['queued', 'active']).toContain((await broker.getJob(id))?.status);
    expect((await broker.listJobs({ status: 'failed', queue, limit: 10 })).jobs).toEqual([]);
    expect((await broker.getJob(otherId))?.status).toBe('failed');
    expect(await retryFailedJobs(broker, queue)).toBe(0);
  });
}
