/**
 * Lease-ahead on the AMQP broker (`LeaseRequest.ahead`, lease-ahead.ts): a
 * herd of short jobs gets its next batch claimed while it runs this one.
 * Only plain batches (no priority above 0 taken, no queue with settings or a
 * limit) are leased ahead; a job the herd does not come for within HOLD_MS
 * goes back with its attempt uncounted; a cancelled one is dropped; close()
 * hands the rest back. RabbitMQ at 127.0.0.1:5672 under unique prefixes, on
 * both result backends.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { createAmqpBroker } from '../../src/brokers/amqp/index.js';
import type { LeasedJob } from '../../src/brokers/contract.js';
import { HOLD_MS } from '../../src/brokers/lease-ahead.js';
import { AMQP_URL, deleteDeclared } from '../conformance/amqp-cleanup.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';
import { expectEveryJobOnce, fill } from './lease-ahead-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-ahead-'));
const made: AmqpBroker[] = [];
const redisPrefixes: string[] = [];
afterEach(async () => {
  await Promise.all(made.map((b) => b.close()));
});
afterAll(async () => {
  await deleteDeclared(made);
  for (const p of redisPrefixes) await deletePrefix(redisUrl, p);
  rmSync(dir, { recursive: true, force: true });
});

/** How many times the herd's `ahead` a broker holds (HOLD_FACTOR in lease-ahead.ts). */
const scale = 4;
const request = { queues: ['q'], max: 2, leaseMs: 30_000, workerId: 'w', ahead: 2 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Each leased job's attempt by id (a Map compares without order: RabbitMQ's requeue order is its own). */
const attempts = (jobs: readonly LeasedJob[]): Map<string, number> => new Map(jobs.map((j) => [j.id, j.attempt]));

const backends = [
  { name: 'sqlite', url: (): string => `sqlite:${join(dir, `${randomUUID()}.db`)}` },
  {
    name: 'redis',
    url: (): string => {
      const p = `t-amqp-ahead-${randomUUID().slice(0, 8)}`;
      redisPrefixes.push(p);
      return `${redisUrl}/0?prefix=${p}`;
    },
  },
];

describe.each(backends)('amqp lease-ahead ($name backend)', (backend) => {
  /** A broker, and one more on the same RabbitMQ prefix and result backend. */
  function pair(): { broker: AmqpBroker; again: () => AmqpBroker } {
    const prefix = `drover-ahead-${randomUUID().slice(0, 8)}`;
    const url = backend.url();
    const open = (): AmqpBroker => {
      const b = createAmqpBroker({ url: AMQP_URL, prefix, backend: url });
      made.push(b);
      return b;
    };
    return { broker: open(), again: open };
  }

  const activeOf = async (b: AmqpBroker): Promise<number> =>
    (await b.counts()).find((c) => c.queue === 'q')?.active ?? 0;

  /** Polls until `want` jobs are active (within the hold), else returns what it saw last. */
  async function activeReaches(b: AmqpBroker, want: number, withinMs = 2000): Promise<number> {
    const until = Date.now() + withinMs;
    let seen = await activeOf(b);
    while (seen !== want && Date.now() < until) {
      await sleep(2);
      seen = await activeOf(b);
    }
    return seen;
  }

  it('claims the next batch ahead and hands it out on the next call, in order', async () => {
    const { broker: b } = pair();
    const ids = await fill(b, 2 + 2 * scale + 2);
    const first = await b.lease(request);
    expect(first.map((j) => j.id)).toEqual(ids.slice(0, 2));
    expect(await activeReaches(b, 2 + 2 * scale)).toBe(2 + 2 * scale); // two running, the rest claimed ahead
    const second = await b.lease(request);
    expect(second.map((j) => j.id)).toEqual(ids.slice(2, 4));
    for (const job of [...first, ...second]) await b.ack(job, null);
  });

  it('hands jobs the herd did not come for back, attempt uncounted', async () => {
    const { broker: b } = pair();
    const ids = await fill(b, 4);
    await b.lease(request);
    expect(await activeReaches(b, 4)).toBe(4);
    await sleep(HOLD_MS * 4);
    expect(await activeOf(b)).toBe(2);
    const plain = await b.lease({ ...request, ahead: 0 });
    expect(attempts(plain)).toEqual(
      new Map([
        [ids[2], 1],
        [ids[3], 1],
      ]),
    );
  });

  it('does not lease ahead when a priority above 0 is taken', async () => {
    const { broker: b } = pair();
    await fill(b, 4, 'q', 3);
    await b.lease(request);
    await sleep(40);
    expect(await activeOf(b)).toBe(2);
  });

  it('does not lease ahead on a queue with settings (limits stay exact)', async () => {
    const { broker: b } = pair();
    await b.setQueueSettings('q', { groupConcurrency: 5 });
    await fill(b, 6);
    await b.lease(request);
    await sleep(40);
    expect(await activeOf(b)).toBe(2);
  });

  it('drops a job cancelled while held ahead', async () => {
    const { broker: b } = pair();
    const ids = await fill(b, 4);
    await b.lease(request);
    expect(await activeReaches(b, 4)).toBe(4);
    expect(await b.cancel(ids[2]!)).toBe('aborted');
    const next = await b.lease({ ...request, ahead: 0 });
    expect(next.map((j) => j.id)).toEqual([ids[3]]);
  });

  it('close() hands the jobs held ahead back: another broker gets them on their first attempt', async () => {
    const { broker: b, again } = pair();
    const ids = await fill(b, 4);
    const running = await b.lease(request);
    expect(await activeReaches(b, 4)).toBe(4);
    for (const job of running) await b.ack(job, null);
    await b.close();
    const after = await again().lease({ ...request, max: 4, ahead: 0 });
    expect(attempts(after)).toEqual(
      new Map([
        [ids[2], 1],
        [ids[3], 1],
      ]),
    );
  });

  it('a herd of short jobs runs every job exactly once with lease-ahead on', async () => {
    const { broker: b } = pair();
    await expectEveryJobOnce(b);
  });
});
