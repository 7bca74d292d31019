import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Broker, EnqueueRequest, JobSnapshot, LeaseRequest, LeasedJob } from '../../core/contract/index.js';
import { resolveCapabilities } from '../../core/contract/index.js';
import type { Report } from '../../core/report.js';
import { hasScheduleStore } from '../../core/app-schedules.js';

/** Options the suite passes to a broker factory: short timings so the suite runs in seconds. */
export interface ConformanceBrokerOptions {
  /** How often expired leases and due delays are swept (ms). */
  sweepInterval: number;
  /** How long results and reports of finished jobs are kept (ms). */
  resultTtl: number;
}

/** Lease length the suite uses (ms). */
export const LEASE_MS = 250;
/** Sweep interval the suite asks for (ms). */
export const SWEEP_MS = 50;
/** Default result TTL in the suite: long enough never to bite (ms). */
export const LONG_TTL = 60_000;
/** How long the suite waits for something that should happen "soon" (ms). */
export const SOON_MS = 3_000;

/**
 * A part of the contract a test needs beyond the minimum. A broker without
 * it (by its capabilities, or by an optional member being absent) has the
 * test skipped with the reason in {@link NEED_REASONS}.
 */
export type Need =
  | 'reportFeed'
  | 'keepsIds'
  | 'pullLeasing'
  | 'confirmsOutcomes'
  | 'queueSettings'
  | 'flowControl'
  | 'schedules'
  | 'workerDirectory'
  | 'jobLogs'
  | 'flows';

/** Why a test is skipped on a broker that lacks a {@link Need}. */
export const NEED_REASONS: Readonly<Record<Need, string>> = Object.freeze({
  reportFeed: 'the broker has no onReport (no feed of every job’s reports)',
  keepsIds: 'the broker names jobs itself (capabilities.keepsIds: false)',
  pullLeasing: "jobs are pushed and their leases held by the broker (capabilities.leasing: 'push')",
  confirmsOutcomes: 'outcomes resolve once sent, not once recorded (capabilities.confirmsOutcomes: false)',
  queueSettings: 'the broker has no getQueueSettings / setQueueSettings',
  schedules: 'the broker keeps no schedules (no ScheduleStore: putSchedule … fireSchedule)',
  flowControl: 'the broker does not enforce queue settings (no limitQueue / queueLimits / purgeQueue)',
  workerDirectory: 'the broker has no announceWorkers / listWorkers (no shared worker directory)',
  jobLogs: 'the broker has no appendJobLogs / jobLogs (handlers’ log lines are not kept)',
  flows: 'the broker has no startFlow (it keeps no flows: chain, group and chord are refused on it)',
});

/** Whether a broker has a {@link Need}. */
export function hasNeed(broker: Broker, need: Need): boolean {
  const caps = resolveCapabilities(broker.capabilities);
  switch (need) {
    case 'reportFeed':
      return typeof broker.onReport === 'function';
    case 'keepsIds':
      return caps.keepsIds;
    case 'pullLeasing':
      return caps.leasing === 'pull';
    case 'confirmsOutcomes':
      return caps.confirmsOutcomes;
    case 'queueSettings':
      return typeof broker.getQueueSettings === 'function' && typeof broker.setQueueSettings === 'function';
    case 'schedules':
      return hasScheduleStore(broker);
    case 'flowControl':
      return (
        typeof broker.limitQueue === 'function' &&
        typeof broker.queueLimits === 'function' &&
        typeof broker.purgeQueue === 'function'
      );
    case 'workerDirectory':
      return typeof broker.announceWorkers === 'function' && typeof broker.listWorkers === 'function';
    case 'jobLogs':
      return typeof broker.appendJobLogs === 'function' && typeof broker.jobLogs === 'function';
    case 'flows':
      return typeof broker.startFlow === 'function';
  }
}

/** What each group of tests gets from the runner. */
export interface SuiteContext {
  /** Opens (and connects) a fresh broker; closed after the test. */
  open: (options?: Partial<ConformanceBrokerOptions>) => Promise<Broker>;
  /** Registers a test, honouring the skip list; `needs` skips it on brokers without those parts. */
  test: (name: string, fn: () => Promise<void>, needs?: readonly Need[]) => void;
}

/** A queue name no other test (or test run) uses. */
export function queueName(): string {
  return `q-${randomUUID()}`;
}

/** An enqueue request with sane defaults. */
export function request(queue: string, args: unknown[] = [], overrides: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    id: `j-${randomUUID()}`,
    task: 'conformance',
    queue,
    args,
    priority: 0,
    delayMs: 0,
    options: { retries: 3, backoff: { type: 'fixed', delay: 10, max: 10, jitter: false } },
    ...overrides,
  };
}

/** A lease request for `queues` with the suite's lease length. */
export function leaseOf(queues: string | readonly string[], max = 10, leaseMs = LEASE_MS): LeaseRequest {
  return { queues: typeof queues === 'string' ? [queues] : queues, max, leaseMs, workerId: 'conformance-worker' };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; fails the test with `what` after `timeout` ms. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeout = SOON_MS): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Leases from `queues` until at least one job comes back (or fails after `timeout`). */
export async function leaseSoon(
  broker: Broker,
  queues: string | readonly string[],
  timeout = SOON_MS,
  max = 10,
): Promise<LeasedJob[]> {
  let jobs: LeasedJob[] = [];
  await waitFor(
    `a job to become leasable on ${String(queues)}`,
    async () => {
      jobs = await broker.lease(leaseOf(queues, max));
      return jobs.length > 0;
    },
    timeout,
  );
  return jobs;
}

/** Enqueues one job and returns its id. */
export async function enqueueOne(broker: Broker, req: EnqueueRequest): Promise<string> {
  const [result] = await broker.enqueue([req]);
  expect(result).toBeDefined();
  return result!.id;
}

/** Enqueues one job and leases it; fails if something else is leased. */
export async function enqueueAndLease(
  broker: Broker,
  queue: string,
  overrides: Partial<EnqueueRequest> = {},
  args: unknown[] = [1],
): Promise<LeasedJob> {
  const id = await enqueueOne(broker, request(queue, args, overrides));
  const [job] = await leaseSoon(broker, queue, SOON_MS, 1);
  expect(job?.id).toBe(id);
  return job!;
}

/** The statuses of a job's reports so far. */
export async function historyOf(broker: Broker, id: string): Promise<Report[]> {
  const watch = await broker.watch(id, () => {});
  expect(watch, `watch(${id})`).toBeDefined();
  watch!.stop();
  return watch!.history;
}

/** Asserts the promise rejects with drover's stale-lease error. */
export async function expectStale(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: 'ERR_DROVER_STALE_LEASE' });
}

/** Values of several shapes that every codec must carry. */
export const SAMPLE_VALUES: readonly unknown[] = [
  42,
  -3.5,
  'text with ünïcødé and "quotes"',
  true,
  null,
  [1, 'two', [3]],
  { nested: { deep: { list: [1, 2, { x: 'y' }] }, n: 0, empty: {} } },
];

/**
 * For a broker whose outcomes resolve once sent (`confirmsOutcomes: false`):
 * a view of it whose `ack`, `nack` and `progress` resolve once `getJob`
 * shows them recorded, so the tests check what was recorded, not a race.
 * Refusals still come from the broker itself.
 */
export function awaitingOutcomes(broker: Broker): Broker {
  const settled = async (id: string, check: (job: JobSnapshot | undefined) => boolean): Promise<void> => {
    await waitFor(`job ${id} to show its outcome`, async () => check(await broker.getJob(id))).catch(() => undefined);
  };
  const overrides: Partial<Broker> = {
    ack: async (lease, result) => {
      await broker.ack(lease, result);
      await settled(lease.id, (job) => job?.status !== 'active');
    },
    nack: async (lease, outcome) => {
      await broker.nack(lease, outcome);
      await settled(lease.id, (job) => job?.status !== 'active');
    },
    progress: async (lease, value) => {
      await broker.progress(lease, value);
      await settled(lease.id, (job) => JSON.stringify(job?.progress) === JSON.stringify(value));
    },
  };
  return new Proxy(broker, {
    get(target, property) {
      const own = overrides[property as keyof Broker];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
