import { describe, expect, it } from 'vitest';
import { BrokerFullError, currentJob } from '../../../src/index.js';
import { MemoryBroker } from '../../../src/brokers/memory/memory-broker.js';
import type { EnqueueRequest } from '../../../src/core/contract/index.js';
import { makeApp } from './helpers.js';

const request = (id: string, key?: string): EnqueueRequest => ({
  id,
  task: 't',
  queue: 't',
  args: [],
  priority: 0,
  delayMs: 0,
  key,
  options: { retries: 0, backoff: { type: 'fixed', delay: 0, max: 0 } },
});

// The memory broker's synchronous lane (enqueueNow / leaseNow), which call() and the herd use:
// these pin that it keeps what enqueue() and lease() promise.
describe('the synchronous lane of memory:', () => {
  it('enqueueNow adds the job before it returns, dedups by key, and throws when full', async () => {
    const broker = new MemoryBroker({ maxQueued: 2 });
    const first = broker.enqueueNow(request('a', 'k'));
    expect(first).toMatchObject({ id: 'a', status: 'queued', duplicate: false });
    expect((await broker.getJob('a'))?.status).toBe('queued');
    expect(broker.enqueueNow(request('b', 'k'))).toMatchObject({ id: 'a', duplicate: true });
    broker.enqueueNow(request('c'));
    expect(() => broker.enqueueNow(request('d'))).toThrow(BrokerFullError);
    await broker.close();
  });

  it('leaseNow leases before it returns; the lease acks, and extend moves its expiry', async () => {
    const broker = new MemoryBroker();
    broker.enqueueNow(request('a'));
    broker.enqueueNow(request('b'));
    const leases = broker.leaseNow({ queues: ['t'], max: 1, leaseMs: 1000, workerId: 'w' });
    expect(leases.map((l) => l.id)).toEqual(['a']);
    expect(await broker.extend(leases, 60_000)).toEqual([true]);
    await broker.ack(leases[0]!, 7);
    expect(await broker.extend(leases, 60_000)).toEqual([false]);
    expect(await broker.getJob('a')).toMatchObject({ status: 'succeeded', result: 7, workerId: 'w' });
    expect(broker.leaseNow({ queues: ['t'], max: 5, leaseMs: 1000, workerId: 'w' }).map((l) => l.id)).toEqual(['b']);
    expect(broker.leaseNow({ queues: ['t'], max: 5, leaseMs: 1000, workerId: 'w' })).toEqual([]);
    await broker.close();
  });

  it("outcome() ignores a hint that is not one of this broker's jobs", async () => {
    const one = new MemoryBroker();
    const other = new MemoryBroker();
    const hint = one.enqueueNow(request('a')).hint;
    other.enqueueNow(request('a'));
    const [lease] = other.leaseNow({ queues: ['t'], max: 1, leaseMs: 1000, workerId: 'w' });
    await other.ack(lease!, 'from other');
    expect(await other.outcome('a', hint)).toBe('from other');
    expect(await other.outcome('a', { id: 'a', kind: { queue: 't', stats: {} } })).toBe('from other');
    await one.close();
    await other.close();
  });

  it('a herd drains a long queue of synchronous handlers without deep recursion, and lets other work run', async () => {
    const app = makeApp();
    let done = 0;
    let ids = 0;
    const t = app.task('sync', () => {
      ids += currentJob().id.length > 0 ? 1 : 0;
      return ++done;
    });
    await t.callMany(Array.from({ length: 20_000 }, () => []));
    let turns = 0;
    const counting = (async () => {
      while (done < 20_000) {
        turns++;
        await Promise.resolve();
      }
    })();
    app.worker({ concurrency: 3 });
    await counting;
    expect(done).toBe(20_000);
    expect(ids).toBe(20_000);
    // The herd yields a microtask every few leases, so the counting loop ran in between.
    expect(turns).toBeGreaterThan(100);
  });
});
