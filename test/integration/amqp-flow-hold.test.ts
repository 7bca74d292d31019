/**
 * Held tickets on the AMQP broker (src/brokers/amqp/flow-hold.ts): a
 * process holds the tickets of held-back jobs only for a while, then hands
 * them back to RabbitMQ, so another process that shares the queue can take
 * them once the queue is resumed elsewhere — not hoarded, nothing lost.
 * Two brokers on one RabbitMQ prefix and one result backend stand for two
 * processes (each has its own connection, prefetch and inbox).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAmqpBroker } from '../../src/brokers/amqp/index.js';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { LOCAL_HOLD_MS } from '../../src/brokers/amqp/flow-hold.js';
import type { LeasedJob } from '../../src/core/contract/index.js';
import { AMQP_URL, deleteDeclared } from '../conformance/amqp-cleanup.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-hold-'));
const prefix = `drover-hold-${randomUUID().slice(0, 8)}`;
const made: AmqpBroker[] = [];
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

afterAll(async () => {
  await Promise.all(made.map((b) => b.close()));
  await deleteDeclared(made);
  await deletePrefix(redisUrl, prefix);
  rmSync(dir, { recursive: true, force: true });
});

const OPTIONS = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0, jitter: false } };

/** Enqueues `n` jobs on `queue` in one batch; their ids, in order. */
async function enqueueMany(broker: AmqpBroker, queue: string, n: number): Promise<string[]> {
  const jobs = Array.from({ length: n }, (_, i) => ({
    id: `j-${String(i).padStart(3, '0')}-${randomUUID()}`,
    task: 't',
    queue,
    args: [i],
    priority: 0,
    delayMs: 0,
    options: OPTIONS,
  }));
  return (await broker.enqueue(jobs)).map((r) => r.id);
}

const backends: [string, () => string][] = [
  ['sqlite', () => `sqlite:${join(dir, `${randomUUID()}.db`)}`],
  ['redis', () => `${redisUrl}/0?prefix=${prefix}-${randomUUID().slice(0, 8)}`],
];

describe.each(backends)('held tickets on the %s backend', (_name, backendUrl) => {
  it('a process holds a paused queue’s tickets at most LOCAL_HOLD_MS; then hands them back to RabbitMQ for any process', async () => {
    const backend = backendUrl();
    const open = async (): Promise<AmqpBroker> => {
      const broker = createAmqpBroker({ url: AMQP_URL, prefix, backend, sweepInterval: 100 });
      made.push(broker);
      await broker.connect();
      return broker;
    };
    const [a, b] = [await open(), await open()];
    const queue = `q-${randomUUID()}`;
    await a.setQueueSettings(queue, { paused: true });
    const ids = await enqueueMany(a, queue, 20);
    // A takes every ticket and holds them: nothing leased, every job still queued.
    for (let i = 0; i < 5; i++) expect(await a.lease({ queues: [queue], max: 20, leaseMs: 5000 })).toEqual([]);
    expect((await a.queueLimits(queue)).limited).toBe(20);
    // A now stops leasing (its herd busy); the queue is resumed in B.
    await b.setQueueSettings(queue, { paused: false });
    const t0 = Date.now();
    const got: LeasedJob[] = [];
    while (got.length === 0 && Date.now() - t0 < LOCAL_HOLD_MS + 3000) {
      got.push(...(await b.lease({ queues: [queue], max: 20, leaseMs: 5000 })));
      await sleep(20);
    }
    const handedBackMs = Date.now() - t0;
    // A held them at most LOCAL_HOLD_MS after its last claim, then handed them back to RabbitMQ.
    expect(got.length).toBeGreaterThan(0);
    // RabbitMQ may deliver some of them to A again (its prefetch is open): once A leases, nothing is missing.
    while (got.length < 20 && Date.now() - t0 < 10_000) {
      for (const broker of [a, b]) got.push(...(await broker.lease({ queues: [queue], max: 20, leaseMs: 5000 })));
      await sleep(20);
    }
    expect(got.map((j) => j.id).sort()).toEqual([...ids].sort());
    console.log(
      JSON.stringify({ backend: _name, test: 'handed back', jobs: 20, firstLeasedElsewhereMs: handedBackMs }),
    );
  });

  it('a rate-limited backlog is claimed max per window from held tickets, in order, none lost', async () => {
    const broker = createAmqpBroker({ url: AMQP_URL, prefix, backend: backendUrl(), sweepInterval: 100 });
    made.push(broker);
    const queue = `q-${randomUUID()}`;
    await broker.setQueueSettings(queue, { rateLimit: { max: 5, per: 200 } });
    const ids = await enqueueMany(broker, queue, 30);
    const starts: number[] = [];
    const order: string[] = [];
    const t0 = Date.now();
    while (order.length < 30 && Date.now() - t0 < 10_000) {
      const jobs = await broker.lease({ queues: [queue], max: 30, leaseMs: 5000 });
      for (const job of jobs) {
        order.push(job.id);
        starts.push((await broker.getJob(job.id))!.startedAt!);
        await broker.ack(job, null);
      }
      await sleep(5);
    }
    expect(order).toEqual(ids);
    starts.sort((x, y) => x - y);
    for (let i = 0; i + 5 < starts.length; i++) expect(starts[i + 5]! - starts[i]!).toBeGreaterThanOrEqual(200);
  });
});
