/**
 * Lease-ahead on the Redis broker (`LeaseRequest.ahead`): the next batch is
 * leased while the herd runs this one, only from plain FIFO queues, held
 * briefly, handed back (attempt uncounted) when the herd does not come for
 * it, dropped when cancelled, and handed back on close. Shared Redis, a
 * prefix of its own per test.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisBroker } from '../../src/brokers/redis/index.js';
import type { RedisBroker } from '../../src/brokers/redis/index.js';
import { HOLD_MS } from '../../src/brokers/redis/lease-ahead.js';
import { Drover } from '../../src/index.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';

const options = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0 } };
const made: RedisBroker[] = [];

afterEach(async () => {
  for (const broker of made.splice(0)) {
    await broker.close();
    await deletePrefix(redisUrl, broker.prefix);
  }
});

function broker(): RedisBroker {
  const b = createRedisBroker({ url: redisUrl, prefix: `t-ahead-${randomUUID().slice(0, 8)}` });
  made.push(b);
  return b;
}

async function fill(b: RedisBroker, n: number, queue = 'q', priority = 0): Promise<string[]> {
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

const request = { queues: ['q'], max: 2, leaseMs: 30_000, workerId: 'w', ahead: 2 };
const activeOf = async (b: RedisBroker): Promise<number> =>
  (await b.counts()).find((c) => c.queue === 'q')?.active ?? 0;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('lease-ahead (redis)', () => {
  it('leases the next batch ahead and hands it out in FIFO order on the next call', async () => {
    const b = broker();
    const ids = await fill(b, 6);
    const first = await b.lease(request);
    expect(first.map((j) => j.id)).toEqual(ids.slice(0, 2));
    await sleep(5);
    expect(await activeOf(b)).toBe(4); // two running, two leased ahead
    const second = await b.lease(request);
    expect(second.map((j) => j.id)).toEqual(ids.slice(2, 4));
    for (const job of [...first, ...second]) await b.ack(job, null);
  });

  it('hands jobs the herd did not come for back to the front of the queue, attempt uncounted', async () => {
    const b = broker();
    const ids = await fill(b, 4);
    await b.lease(request);
    await sleep(HOLD_MS * 4);
    expect(await activeOf(b)).toBe(2);
    const plain = await b.lease({ ...request, ahead: 0 });
    expect(plain.map((j) => [j.id, j.attempt])).toEqual([
      [ids[2], 1],
      [ids[3], 1],
    ]);
  });

  it('does not lease ahead while priorities wait (a later, higher job must not be overtaken)', async () => {
    const b = broker();
    await fill(b, 4);
    await fill(b, 1, 'q', 5);
    await b.lease(request);
    await sleep(5);
    expect(await activeOf(b)).toBe(2);
  });

  it('does not lease ahead on a queue with settings (limits stay exact)', async () => {
    const b = broker();
    await fill(b, 6);
    await b.setQueueSettings('q', { groupConcurrency: 5 });
    await b.lease(request);
    await sleep(5);
    expect(await activeOf(b)).toBe(2);
  });

  it('drops a job cancelled while held, and hands the rest back on close', async () => {
    const b = broker();
    const ids = await fill(b, 4);
    await b.lease(request);
    await sleep(5);
    expect(await b.cancel(ids[2]!)).toBe('aborted');
    const next = await b.lease({ ...request, ahead: 0 });
    expect(next.map((j) => j.id)).toEqual([ids[3]]);
    const c = broker();
    const more = await fill(c, 4);
    await c.lease(request);
    await sleep(5);
    await c.close();
    const reopened = createRedisBroker({ url: redisUrl, prefix: c.prefix });
    made.push(reopened);
    const after = await reopened.lease({ ...request, max: 4, ahead: 0 });
    expect(after.map((j) => j.id)).toEqual(more.slice(2));
  });

  it('a herd of short jobs runs every job exactly once with lease-ahead on', async () => {
    const b = broker();
    const app = new Drover({ broker: b });
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
  });
});
