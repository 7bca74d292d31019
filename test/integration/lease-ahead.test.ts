/**
 * Lease-ahead on the Redis and SQLite brokers (`LeaseRequest.ahead`): the
 * next batch is leased while the herd runs this one, only from plain FIFO
 * queues, held briefly, handed back (attempt uncounted) when the herd does
 * not come for it, dropped when cancelled, and handed back on close. Shared
 * Redis with a prefix of its own per test; SQLite files in a temp folder.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/brokers/contract.js';
import { createRedisBroker } from '../../src/brokers/redis/index.js';
import { createSqliteBroker } from '../../src/brokers/sqlite/index.js';
import { HOLD_MS } from '../../src/brokers/lease-ahead.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';
import { expectEveryJobOnce, fill } from './lease-ahead-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'drover-lease-ahead-'));

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How many times the herd's `ahead` a broker holds (HOLD_FACTOR in lease-ahead.ts). */
const scale = 4;

interface Kind {
  name: string;
  /** A new broker on a new store, and a way to open that store again. */
  make(): { broker: Broker; reopen: () => Broker };
}

const kinds: Kind[] = [
  {
    name: 'redis',
    make() {
      const prefix = `t-ahead-${randomUUID().slice(0, 8)}`;
      const open = (): Broker => {
        const b = createRedisBroker({ url: redisUrl, prefix });
        cleanups.unshift(() => b.close());
        return b;
      };
      cleanups.push(async () => {
        await deletePrefix(redisUrl, prefix);
      });
      return { broker: open(), reopen: open };
    },
  },
  {
    name: 'sqlite',
    make() {
      const path = join(dir, `${randomUUID()}.db`);
      const open = (): Broker => {
        const b = createSqliteBroker({ path });
        cleanups.unshift(() => b.close());
        return b;
      };
      return { broker: open(), reopen: open };
    },
  },
];

const request = { queues: ['q'], max: 2, leaseMs: 30_000, workerId: 'w', ahead: 2 };
const activeOf = async (b: Broker): Promise<number> => (await b.counts()).find((c) => c.queue === 'q')?.active ?? 0;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(kinds)('lease-ahead ($name)', (kind) => {
  const make = (): ReturnType<Kind['make']> => kind.make();
  const broker = (): Broker => make().broker;

  it('leases the next batch ahead and hands it out in FIFO order on the next call', async () => {
    const b = broker();
    const ids = await fill(b, 2 + 2 * scale + 2);
    const first = await b.lease(request);
    expect(first.map((j) => j.id)).toEqual(ids.slice(0, 2));
    await sleep(5);
    expect(await activeOf(b)).toBe(2 + 2 * scale); // two running, the rest leased ahead
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
    await b.setQueueSettings!('q', { groupConcurrency: 5 });
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
    const { broker: c, reopen } = make();
    const more = await fill(c, 4);
    await c.lease(request);
    await sleep(5);
    await c.close();
    const after = await reopen().lease({ ...request, max: 4, ahead: 0 });
    expect(after.map((j) => j.id)).toEqual(more.slice(2));
  });

  it('a herd of short jobs runs every job exactly once with lease-ahead on', async () => {
    const b = broker();
    await expectEveryJobOnce(b);
  });
});
