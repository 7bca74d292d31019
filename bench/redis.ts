/**
 * drover's Redis broker against BullMQ on the same Redis, side by side in one
 * run (issue 11). Both run in this process, with the same work:
 *
 * - bulk enqueue: batches of 1,000 (`callMany` vs `addBulk`);
 * - one-by-one enqueue: one job at a time, each awaited (`call` vs `add`);
 * - 50 callers, each looping call() + result() (BullMQ: add() + its
 *   worker's completion), with a worker of concurrency 50 in this process;
 * - processing 50,000 pre-filled no-op jobs with one worker at concurrency
 *   1, 10 and 50;
 * - idle enqueue → complete latency p50/p99, one job at a time;
 * - Redis bytes per waiting job (INFO memory, 50,000 waiting jobs);
 * - Redis commands per job (INFO commandstats) over pre-fill + processing at c50.
 *
 * Each measurement runs BENCH_RUNS times (default 3) and prints the median,
 * one JSON line with the ratio drover / BullMQ (latency and memory: BullMQ /
 * drover, so > 1 is better for drover everywhere).
 *
 *   npm run bench:redis
 *   BENCH_FILTER=process BENCH_RUNS=1 npm run bench:redis
 *
 * Without BENCH_REDIS_URL the bench starts its own redis-server on a free
 * port (no persistence, so INFO figures are not disturbed by other users);
 * with it, only keys of the bench's own prefixes are touched.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { Drover } from '../src/index.js';
import { createRedisBroker } from '../src/brokers/redis/index.js';
import { filter, now, percentile, print, ratio, sleep } from './common.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 50_000);
const SINGLE_JOBS = Number(process.env.BENCH_SINGLE_JOBS ?? 5_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 10_000);
const CALLERS = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 500);
const BATCH = 1000;

// ─── the Redis both use ──────────────────────────────────────────────────────

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let ownServer: { child: ChildProcess; dir: string } | undefined;

async function startRedis(): Promise<string> {
  if (process.env.BENCH_REDIS_URL) return process.env.BENCH_REDIS_URL;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  ownServer = { child, dir };
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return url;
    } catch {
      await sleep(50);
    } finally {
      probe.disconnect();
    }
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

const REDIS_URL = await startRedis();
const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: null });

async function usedMemory(): Promise<number> {
  const info = await admin.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)![1]);
}

async function commandCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (!['info', 'config|resetstat', 'ping', 'client|setname', 'select'].includes(match[1]!))
      total += Number(match[2]);
  }
  return total;
}

/** Deletes every key under a prefix (SCAN MATCH, our own prefixes only). */
async function dropPrefix(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

// ─── drover ──────────────────────────────────────────────────────────────────

interface DroverRig {
  app: Drover;
  prefix: string;
  noop: ReturnType<Drover['task']>;
}

async function withDrover<T>(body: (rig: DroverRig) => Promise<T>): Promise<T> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const broker = createRedisBroker({ url: REDIS_URL, prefix });
  const app = new Drover({ broker });
  const noop = app.task('noop', () => undefined);
  try {
    await app.broker();
    return await body({ app, prefix, noop });
  } finally {
    await app.close({ grace: 1000 });
    await broker.close();
    await dropPrefix(`{${prefix}}:*`);
  }
}

async function droverFill(rig: DroverRig, jobs: number): Promise<void> {
  for (let sent = 0; sent < jobs; sent += BATCH)
    await rig.noop.callMany(Array.from({ length: Math.min(BATCH, jobs - sent) }, () => []));
}

/** Resolves once `count` jobs succeeded in this process. */
function droverSucceeded(app: Drover, count: number): Promise<void> {
  let done = 0;
  return new Promise((resolve) => {
    const off = app.on('job:succeeded', () => {
      if (++done === count) {
        off();
        resolve();
      }
    });
  });
}

const drover = {
  bulk: () =>
    withDrover(async (rig) => {
      await droverFill(rig, 3 * BATCH);
      const start = now();
      await droverFill(rig, JOBS);
      return JOBS / ((now() - start) / 1000);
    }),
  single: () =>
    withDrover(async (rig) => {
      for (let i = 0; i < 500; i++) await rig.noop.call();
      const start = now();
      for (let i = 0; i < SINGLE_JOBS; i++) await rig.noop.call();
      return SINGLE_JOBS / ((now() - start) / 1000);
    }),
  callers: () =>
    withDrover(async (rig) => {
      rig.app.worker({ concurrency: CALLERS });
      const loop = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) await (await rig.noop.call()).result();
      };
      await Promise.all(Array.from({ length: CALLERS }, () => loop(10)));
      const start = now();
      await Promise.all(Array.from({ length: CALLERS }, () => loop(CALLS / CALLERS)));
      return CALLS / ((now() - start) / 1000);
    }),
  process: (concurrency: number) =>
    withDrover(async (rig) => {
      await droverFill(rig, JOBS);
      const done = droverSucceeded(rig.app, JOBS);
      const start = now();
      rig.app.worker({ concurrency });
      await done;
      return JOBS / ((now() - start) / 1000);
    }),
  latency: () =>
    withDrover(async (rig) => {
      rig.app.worker({ concurrency: 1 });
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES + 50; i++) {
        const done = droverSucceeded(rig.app, 1);
        const start = now();
        await rig.noop.call();
        await done;
        if (i >= 50) samples.push(now() - start);
        await sleep(1);
      }
      return samples.sort((a, b) => a - b);
    }),
  memory: () =>
    withDrover(async (rig) => {
      const before = await usedMemory();
      await droverFill(rig, JOBS);
      return ((await usedMemory()) - before) / JOBS;
    }),
  commands: () =>
    withDrover(async (rig) => {
      await admin.config('RESETSTAT');
      await droverFill(rig, JOBS);
      const done = droverSucceeded(rig.app, JOBS);
      rig.app.worker({ concurrency: 50 });
      await done;
      return (await commandCalls()) / JOBS;
    }),
};

// ─── BullMQ ──────────────────────────────────────────────────────────────────

async function withBull<T>(body: (queue: Queue, name: string, prefix: string) => Promise<T>): Promise<T> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const name = `bench-${randomUUID()}`;
  const prefix = `bull-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(name, { connection, prefix });
  try {
    return await body(queue, name, prefix);
  } finally {
    await queue.close();
    connection.disconnect();
    await dropPrefix(`${prefix}:*`);
  }
}

async function bullFill(queue: Queue, jobs: number): Promise<void> {
  for (let sent = 0; sent < jobs; sent += BATCH)
    await queue.addBulk(Array.from({ length: Math.min(BATCH, jobs - sent) }, () => ({ name: 'noop', data: {} })));
}

function bullWorker(name: string, prefix: string, concurrency: number, onDone: (job: BullJob) => void): Worker {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(name, async () => undefined, { connection, prefix, concurrency });
  worker.on('completed', onDone);
  worker.on('closed', () => connection.disconnect());
  return worker;
}

const bullmq = {
  bulk: () =>
    withBull(async (queue) => {
      await bullFill(queue, 3 * BATCH);
      const start = now();
      await bullFill(queue, JOBS);
      return JOBS / ((now() - start) / 1000);
    }),
  single: () =>
    withBull(async (queue) => {
      for (let i = 0; i < 500; i++) await queue.add('noop', {});
      const start = now();
      for (let i = 0; i < SINGLE_JOBS; i++) await queue.add('noop', {});
      return SINGLE_JOBS / ((now() - start) / 1000);
    }),
  callers: () =>
    withBull(async (queue, name, prefix) => {
      const waiting = new Map<string, () => void>();
      const worker = bullWorker(name, prefix, CALLERS, (job) => waiting.get(job.id!)?.());
      await worker.waitUntilReady();
      const loop = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          const job = await queue.add('noop', {});
          await new Promise<void>((resolve) => {
            if (worker.isRunning() && job.finishedOn) resolve();
            waiting.set(job.id!, () => {
              waiting.delete(job.id!);
              resolve();
            });
          });
        }
      };
      await Promise.all(Array.from({ length: CALLERS }, () => loop(10)));
      const start = now();
      await Promise.all(Array.from({ length: CALLERS }, () => loop(CALLS / CALLERS)));
      const rate = CALLS / ((now() - start) / 1000);
      await worker.close();
      return rate;
    }),
  process: (concurrency: number) =>
    withBull(async (queue, name, prefix) => {
      await bullFill(queue, JOBS);
      let done = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const start = now();
      const worker = bullWorker(name, prefix, concurrency, () => {
        if (++done === JOBS) finish();
      });
      await finished;
      const rate = JOBS / ((now() - start) / 1000);
      await worker.close();
      return rate;
    }),
  latency: () =>
    withBull(async (queue, name, prefix) => {
      let took: (() => void) | undefined;
      const worker = bullWorker(name, prefix, 1, () => took?.());
      await worker.waitUntilReady();
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES + 50; i++) {
        const done = new Promise<void>((resolve) => (took = resolve));
        const start = now();
        await queue.add('latency', {});
        await done;
        if (i >= 50) samples.push(now() - start);
        await sleep(1);
      }
      await worker.close();
      return samples.sort((a, b) => a - b);
    }),
  memory: () =>
    withBull(async (queue) => {
      const before = await usedMemory();
      await bullFill(queue, JOBS);
      return ((await usedMemory()) - before) / JOBS;
    }),
  commands: () =>
    withBull(async (queue, name, prefix) => {
      await admin.config('RESETSTAT');
      await bullFill(queue, JOBS);
      let done = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const worker = bullWorker(name, prefix, 50, () => {
        if (++done === JOBS) finish();
      });
      await finished;
      const calls = await commandCalls();
      await worker.close();
      return calls / JOBS;
    }),
};

// ─── the run ─────────────────────────────────────────────────────────────────

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Runs both sides RUNS times, alternating, and returns the medians. */
async function both(measure: (side: typeof drover) => Promise<number>): Promise<[number, number]> {
  const d: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    d.push(await measure(drover));
    b.push(await measure(bullmq));
  }
  return [median(d), median(b)];
}

const round = (n: number, digits = 0): number => +n.toFixed(digits);

try {
  print({
    bench: 'redis-setup',
    redis: REDIS_URL.replace(/\/\/.*@/, '//***@'),
    runs: RUNS,
    own: ownServer !== undefined,
  });
  if (filter.test('redis-enqueue-bulk')) {
    const [d, b] = await both((s) => s.bulk());
    print({
      bench: 'redis-enqueue-bulk',
      jobs: JOBS,
      batch: BATCH,
      droverJobsPerSec: round(d),
      bullmqJobsPerSec: round(b),
      ratio: ratio(d, b),
    });
  }
  if (filter.test('redis-enqueue-single')) {
    const [d, b] = await both((s) => s.single());
    print({
      bench: 'redis-enqueue-single',
      jobs: SINGLE_JOBS,
      droverJobsPerSec: round(d),
      bullmqJobsPerSec: round(b),
      ratio: ratio(d, b),
    });
  }
  if (filter.test('redis-callers')) {
    const [d, b] = await both((s) => s.callers());
    print({
      bench: 'redis-callers',
      callers: CALLERS,
      calls: CALLS,
      droverCallsPerSec: round(d),
      bullmqCallsPerSec: round(b),
      ratio: ratio(d, b),
    });
  }
  for (const concurrency of [1, 10, 50]) {
    const name = `redis-process-c${concurrency}`;
    if (!filter.test(name)) continue;
    const [d, b] = await both((s) => s.process(concurrency));
    print({
      bench: name,
      jobs: JOBS,
      concurrency,
      droverJobsPerSec: round(d),
      bullmqJobsPerSec: round(b),
      ratio: ratio(d, b),
    });
  }
  if (filter.test('redis-latency')) {
    const p = (pct: number) => async (s: typeof drover) => percentile(await s.latency(), pct);
    const [d50, b50] = await both(p(50));
    const [d99, b99] = await both(p(99));
    print({
      bench: 'redis-latency',
      samples: LATENCY_SAMPLES,
      droverP50Ms: round(d50, 3),
      droverP99Ms: round(d99, 3),
      bullmqP50Ms: round(b50, 3),
      bullmqP99Ms: round(b99, 3),
      ratioP50: ratio(b50, d50),
      ratioP99: ratio(b99, d99),
    });
  }
  if (filter.test('redis-memory')) {
    const [d, b] = await both((s) => s.memory());
    print({
      bench: 'redis-memory',
      jobs: JOBS,
      droverBytesPerJob: round(d),
      bullmqBytesPerJob: round(b),
      ratio: ratio(b, d),
    });
  }
  if (filter.test('redis-commands')) {
    const [d, b] = await both((s) => s.commands());
    print({
      bench: 'redis-commands',
      jobs: JOBS,
      droverCommandsPerJob: round(d, 2),
      bullmqCommandsPerJob: round(b, 2),
      ratio: ratio(b, d),
    });
  }
} finally {
  admin.disconnect();
  if (ownServer) {
    ownServer.child.kill('SIGTERM');
    await new Promise((resolve) => ownServer!.child.once('exit', resolve));
    rmSync(ownServer.dir, { recursive: true, force: true });
  }
}
