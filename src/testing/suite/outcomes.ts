import { expect } from 'vitest';
import type { SuiteContext } from './helpers.js';
import { SAMPLE_VALUES, enqueueAndLease, historyOf, leaseOf, leaseSoon, queueName, request, sleep } from './helpers.js';

/** ack / nack / progress outcomes and key dedup. */
export function outcomeTests({ open, test }: SuiteContext): void {
  test('.ack() - records the result on the snapshot and in a succeeded report', async () => {
    const broker = await open();
    const queue = queueName();
    for (const value of SAMPLE_VALUES) {
      const job = await enqueueAndLease(broker, queue, {}, [value]);
      expect(job.args).toEqual([value]);
      await broker.ack(job, value);
      const snapshot = await broker.getJob(job.id);
      expect(snapshot).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(snapshot!.result).toEqual(value);
      expect(snapshot!.error).toBeUndefined();
      expect(snapshot!.startedAt).toBeGreaterThanOrEqual(snapshot!.createdAt);
      expect(snapshot!.finishedAt).toBeGreaterThanOrEqual(snapshot!.startedAt!);
      const history = await historyOf(broker, job.id);
      expect(history.map((r) => r.status)).toEqual(['queued', 'active', 'succeeded']);
      expect(history.map((r) => r.attempt)).toEqual([0, 1, 1]);
      expect(history.every((r) => r.jobId === job.id && typeof r.at === 'number')).toBe(true);
      expect(history[2]!.result).toEqual(value);
    }
  });

  test('.ack() - an undefined result is allowed', async () => {
    const broker = await open();
    const job = await enqueueAndLease(broker, queueName());
    await broker.ack(job, undefined);
    const snapshot = await broker.getJob(job.id);
    expect(snapshot?.status).toBe('succeeded');
    expect(snapshot?.result ?? null).toBeNull();
  });

  test('.progress() - kept on the snapshot and recorded as progress reports', async () => {
    const broker = await open();
    const job = await enqueueAndLease(broker, queueName());
    await broker.progress(job, 10);
    await broker.progress(job, { done: 2, of: 3 });
    expect((await broker.getJob(job.id))?.progress).toEqual({ done: 2, of: 3 });
    const history = await historyOf(broker, job.id);
    expect(history.map((r) => [r.status, r.progress])).toEqual([
      ['queued', undefined],
      ['active', undefined],
      ['progress', 10],
      ['progress', { done: 2, of: 3 }],
    ]);
    expect(history[2]!.attempt).toBe(1);
  });

  test('.nack() with retryInMs - delayed with a retrying report, then queued again with the attempt counted', async () => {
    const broker = await open();
    const queue = queueName();
    const job = await enqueueAndLease(broker, queue, {}, ['x']);
    const error = { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at here' };
    const start = Date.now();
    await broker.nack(job, { error, retryInMs: 300 });
    const snapshot = await broker.getJob(job.id);
    expect(snapshot).toMatchObject({ status: 'delayed', attempt: 1, error: { name: 'TypeError', message: 'boom' } });
    expect(snapshot!.runAt).toBeGreaterThanOrEqual(snapshot!.startedAt! + 250);
    const early = await broker.lease(leaseOf(queue));
    if (Date.now() - start < 250) expect(early).toEqual([]);
    else await broker.release(early);
    const [again] = await leaseSoon(broker, queue);
    expect(Date.now() - start).toBeGreaterThanOrEqual(280);
    expect(again).toMatchObject({ id: job.id, attempt: 2, args: ['x'] });
    const history = await historyOf(broker, job.id);
    expect(history.map((r) => r.status)).toEqual(['queued', 'active', 'retrying', 'active']);
    expect(history[2]).toMatchObject({ attempt: 1, error: { name: 'TypeError', message: 'boom' } });
    await broker.ack(again!, 'second time lucky');
    expect(await broker.getJob(job.id)).toMatchObject({ status: 'succeeded', attempt: 2, result: 'second time lucky' });
  });

  test('.nack() without retryInMs - the job fails for good with the error', async () => {
    const broker = await open();
    const queue = queueName();
    const job = await enqueueAndLease(broker, queue);
    await broker.nack(job, { error: { name: 'Error', message: 'no way', code: 'E_CUSTOM' } });
    const snapshot = await broker.getJob(job.id);
    expect(snapshot).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { name: 'Error', message: 'no way', code: 'E_CUSTOM' },
    });
    expect(snapshot!.finishedAt).toBeGreaterThanOrEqual(snapshot!.startedAt!);
    const history = await historyOf(broker, job.id);
    expect(history.map((r) => r.status)).toEqual(['queued', 'active', 'failed']);
    expect(history[2]).toMatchObject({ attempt: 1, error: { message: 'no way' } });
    await sleep(50);
    expect(await broker.lease(leaseOf(queue))).toEqual([]);
  });

  test(
    'key - while queued, delayed or active the same job comes back with duplicate: true',
    async () => {
      const broker = await open();
      const queue = queueName();
      const key = `key-${queue}`;
      const original = request(queue, [1], { key });
      expect(await broker.enqueue([original])).toEqual([{ id: original.id, status: 'queued', duplicate: false }]);
      const again = request(queue, [2], { key });
      expect(await broker.enqueue([again])).toEqual([{ id: original.id, status: 'queued', duplicate: true }]);
      expect(await broker.getJob(again.id)).toBeUndefined();
      const [leased] = await broker.lease(leaseOf(queue));
      expect(leased).toMatchObject({ id: original.id, args: [1] });
      expect(await broker.lease(leaseOf(queue))).toEqual([]);
      expect(await broker.enqueue([request(queue, [3], { key })])).toEqual([
        { id: original.id, status: 'active', duplicate: true },
      ]);
      await broker.nack(leased!, { error: { name: 'Error', message: 'retry' }, retryInMs: 60_000 });
      expect(await broker.enqueue([request(queue, [4], { key })])).toEqual([
        { id: original.id, status: 'delayed', duplicate: true },
      ]);
      expect(await broker.cancel(original.id)).toBe('cancelled');
      const fresh = request(queue, [5], { key });
      expect(await broker.enqueue([fresh])).toEqual([{ id: fresh.id, status: 'queued', duplicate: false }]);
      const [next] = await broker.lease(leaseOf(queue));
      await broker.ack(next!, 'ok');
      const afterSuccess = request(queue, [6], { key });
      expect(await broker.enqueue([afterSuccess])).toEqual([
        { id: afterSuccess.id, status: 'queued', duplicate: false },
      ]);
    },
    ['keepsIds', 'pullLeasing'],
  );

  test(
    'key - a delayed job is deduplicated, and so are repeats within one batch',
    async () => {
      const broker = await open();
      const queue = queueName();
      const a = request(queue, [1], { key: 'k1', delayMs: 60_000 });
      const b = request(queue, [2], { key: 'k1' });
      const c = request(queue, [3], { key: 'k2' });
      const d = request(queue, [4]);
      const e = request(queue, [5], { key: 'k2' });
      const results = await broker.enqueue(
        [a, b, c, d, e].map((r) => ({ ...r, key: r.key === undefined ? undefined : `${queue}-${r.key}` })),
      );
      expect(results).toEqual([
        { id: a.id, status: 'delayed', duplicate: false },
        { id: a.id, status: 'delayed', duplicate: true },
        { id: c.id, status: 'queued', duplicate: false },
        { id: d.id, status: 'queued', duplicate: false },
        { id: c.id, status: 'queued', duplicate: true },
      ]);
      const jobs = await broker.lease(leaseOf(queue));
      expect(jobs.map((j) => j.id)).toEqual([c.id, d.id]);
      expect((await broker.getJob(a.id))?.key).toBe(`${queue}-k1`);
    },
    ['keepsIds'],
  );

  test('.getJob() - undefined for an unknown id', async () => {
    const broker = await open();
    expect(await broker.getJob(`j-unknown-${queueName()}`)).toBeUndefined();
    expect(await broker.watch(`j-unknown-${queueName()}`, () => {})).toBeUndefined();
  });
}
