import { describe, expect, it } from 'vitest';
import type { LeasedJob, LeaseRequest } from '../../../src/brokers/contract.js';
import type { LeaseBatch } from '../../../src/brokers/lease-ahead.js';
import { LeaseAhead } from '../../../src/brokers/lease-ahead.js';

const options = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0 } };
let next = 0;
function jobs(n: number): LeasedJob[] {
  return Array.from({ length: n }, () => {
    const id = `j${next++}`;
    return { id, token: 't', task: 't', queue: 'q', args: [], attempt: 1, options, expiresAt: Date.now() + 30_000 };
  });
}

/** A host that leases what it is asked for (plain FIFO) and records the round trips. */
function host() {
  const fetched: number[] = [];
  const released: string[] = [];
  return {
    fetched,
    released,
    fetch: (_request: LeaseRequest, max: number): Promise<LeaseBatch> => {
      fetched.push(max);
      return Promise.resolve({ jobs: jobs(max), plain: true });
    },
    release: (leases: readonly { id: string }[]) => {
      released.push(...leases.map((l) => l.id));
      return Promise.resolve();
    },
  };
}

const request = { queues: ['q'], max: 10, leaseMs: 30_000, ahead: 10 };

describe('LeaseAhead.carryRefill', () => {
  it('offers nothing before a herd leases ahead, nor while its refill is out', async () => {
    const h = host();
    const ahead = new LeaseAhead(h);
    expect(ahead.carryRefill()).toBeUndefined();
    await ahead.lease(request); // 10 now, and a refill of 40 on its way
    expect(ahead.carryRefill()).toBeUndefined();
    await ahead.close();
  });

  it('offers the room left in a flowing herd’s buffer; what lands is handed out next', async () => {
    const h = host();
    const ahead = new LeaseAhead(h);
    await ahead.lease(request);
    await new Promise((resolve) => setImmediate(resolve)); // the refill of 40 landed
    const second = await ahead.lease(request); // 10 from the buffer, 30 left
    expect(second).toHaveLength(10);
    const refill = ahead.carryRefill()!;
    expect(refill.max).toBe(10);
    expect(refill.request).toBe(request);
    expect(ahead.carryRefill()).toBeUndefined(); // one at a time per herd
    const carried = jobs(10);
    refill.landed({ jobs: carried, plain: true });
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(...(await ahead.lease(request)));
    expect(taken.map((j) => j.id)).toContain(carried[9]!.id);
    await ahead.close();
  });

  it('a failed carried refill stops leasing ahead until the herd flows again', async () => {
    const h = host();
    const ahead = new LeaseAhead(h);
    await ahead.lease(request);
    await new Promise((resolve) => setImmediate(resolve));
    await ahead.lease(request);
    ahead.carryRefill()!.failed();
    expect(ahead.carryRefill()).toBeUndefined();
    await ahead.close();
    expect(h.released).toHaveLength(30); // what was held goes back on close
  });
});
