/**
 * Outcomes and leases in one call on Redis (`finlease.lua`): a batch of
 * outcomes carries the next jobs of a herd that leases ahead, and a lease
 * carries the outcomes waiting for their batch. Each outcome is still judged
 * on its own (a stale one is refused, the others recorded), and every job is
 * leased once.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { StaleLeaseError } from '../../src/core/errors.js';
import type { LeasedJob } from '../../src/brokers/contract.js';
import { createRedisBroker } from '../../src/brokers/redis/index.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';

const options = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0 } };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function open() {
  const prefix = `t-carry-${randomUUID().slice(0, 8)}`;
  const broker = createRedisBroker({ url: redisUrl, prefix });
  cleanups.push(async () => {
    await broker.close();
    await deletePrefix(redisUrl, prefix);
  });
  return broker;
}

describe('redis: outcomes and leases in one call', () => {
  it('a batch of outcomes carries the next jobs; a stale outcome in it is refused alone; every job is leased once', async () => {
    const broker = open();
    const queue = 'q';
    const total = 120;
    await broker.enqueue(
      Array.from({ length: total }, (_, i) => ({
        id: `j${i}`,
        task: 't',
        queue,
        args: [i],
        options,
        priority: 0,
        delayMs: 0,
      })),
    );
    const request = { queues: [queue], max: 10, leaseMs: 30_000, ahead: 10 };
    const seen = new Map<string, number>();
    let stale = 0;
    for (let round = 0; round < total / 10; round++) {
      const jobs: LeasedJob[] = await broker.lease(request);
      for (const job of jobs) seen.set(job.id, (seen.get(job.id) ?? 0) + 1);
      // All outcomes of the round in one turn: one batch (the first one's token is wrong once).
      const acks = jobs.map((job, i) =>
        broker.ack(round === 3 && i === 0 ? { id: job.id, token: 'not-its-token' } : job, job.args[0]),
      );
      const settled = await Promise.allSettled(acks);
      for (const [i, s] of settled.entries()) {
        if (s.status === 'rejected') {
          expect(s.reason).toBeInstanceOf(StaleLeaseError);
          stale++;
          await broker.ack(jobs[i]!, jobs[i]!.args[0]);
        }
      }
    }
    expect(stale).toBe(1);
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const counts = await broker.counts();
    const q = counts.find((c) => c.queue === queue)!;
    expect(q.succeeded).toBe(total);
    expect(q.active).toBe(0);
    expect(q.waiting).toBe(0);
    const job = await broker.getJob('j7');
    expect(job?.status).toBe('succeeded');
    expect(job?.attempt).toBe(1);
  });

  it('a lease carries outcomes handed in the same turn; they are recorded before it', async () => {
    const broker = open();
    await broker.enqueue(
      ['a', 'b'].map((id) => ({ id, task: 't', queue: 'q', args: [], options, priority: 0, delayMs: 0 })),
    );
    const [a] = await broker.lease({ queues: ['q'], max: 1, leaseMs: 30_000 });
    const acked = broker.ack(a!, 'done');
    const [b] = await broker.lease({ queues: ['q'], max: 1, leaseMs: 30_000 });
    await acked;
    expect(b?.id).toBe('b');
    expect((await broker.getJob('a'))?.status).toBe('succeeded');
    await expect(broker.ack({ id: 'a', token: a!.token }, 'again')).rejects.toBeInstanceOf(StaleLeaseError);
  });
});
