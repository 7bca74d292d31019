/**
 * drover on `memory:` against p-queue, side by side in one run.
 * Prints one JSON line per measurement; each figure is the median of three
 * runs (drover and p-queue alternating). Filter with BENCH_FILTER=regexp,
 * size with BENCH_JOBS (default 1,000,000) and BENCH_PERJOB_JOBS (default
 * 200,000, the per-job rows).
 *
 * Rows:
 * - memory-throughput-c{1,10,100}: a million jobs enqueued in batches, run by a worker at that concurrency.
 * - memory-perjob-c{1,10,100}: that many callers, each `await t.call()` then `await job.result()` one job
 *   at a time, a worker at that concurrency — against `await queue.add()` from as many callers.
 * - memory-perjob-50-callers-c10: 50 callers doing the same, a worker at concurrency 10.
 * - memory-bytes-per-queued-job: heap per job waiting in the queue (handles kept).
 *
 *   npm run bench:local
 */
import PQueue from 'p-queue';
import { Drover } from '../src/index.js';
import { filter, median, print, ratio } from './common.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 1_000_000);
const PERJOB_JOBS = Number(process.env.BENCH_PERJOB_JOBS ?? 200_000);
const RUNS = 3;
const MEMORY_JOBS = 100_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;

async function droverThroughput(concurrency: number): Promise<number> {
  const app = new Drover({ broker: `memory:?maxQueued=${JOBS + 1}` });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const noop = app.task('noop', () => {
    if (++done === JOBS) finish();
  });
  const start = performance.now();
  const worker = app.worker({ concurrency });
  // Submitted in batches of BATCH (one broker round trip each), as a producer of a million jobs would.
  for (let i = 0; i < JOBS; i += BATCH)
    await noop.callMany(Array.from({ length: Math.min(BATCH, JOBS - i) }, () => []));
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await worker.close();
  await app.close();
  return JOBS / seconds;
}

async function pqueueThroughput(concurrency: number): Promise<number> {
  const queue = new PQueue({ concurrency });
  const start = performance.now();
  for (let i = 0; i < JOBS; i++) void queue.add(async () => {});
  await queue.onIdle();
  return JOBS / ((performance.now() - start) / 1000);
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function droverMemory(): Promise<number> {
  const app = new Drover();
  const noop = app.task('noop', () => undefined);
  await app.broker();
  const before = heapUsed();
  const jobs = await noop.callMany(Array.from({ length: MEMORY_JOBS }, () => []));
  const bytes = (heapUsed() - before) / MEMORY_JOBS;
  if (jobs.length !== MEMORY_JOBS) throw new Error('lost jobs');
  await app.close({ grace: 0 });
  return bytes;
}

function pqueueMemory(): number {
  const queue = new PQueue({ concurrency: 1, autoStart: false });
  const before = heapUsed();
  const promises: Promise<unknown>[] = [];
  for (let i = 0; i < MEMORY_JOBS; i++) promises.push(queue.add(async () => {}));
  const bytes = (heapUsed() - before) / MEMORY_JOBS;
  queue.clear();
  return bytes;
}

/** `callers` loops, each awaiting one job at a time until `jobs` are done; jobs per second. */
async function perJob(jobs: number, callers: number, one: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started++ < jobs) await one();
    }),
  );
  return jobs / ((performance.now() - start) / 1000);
}

async function droverPerJob(callers: number, concurrency: number): Promise<number> {
  const app = new Drover({ broker: `memory:?maxQueued=${PERJOB_JOBS + 1}` });
  const noop = app.task('noop', () => 1);
  const worker = app.worker({ concurrency });
  await app.broker();
  const rate = await perJob(PERJOB_JOBS, callers, async () => (await noop.call()).result());
  await worker.close();
  await app.close();
  return rate;
}

async function pqueuePerJob(callers: number, concurrency: number): Promise<number> {
  const queue = new PQueue({ concurrency });
  return perJob(PERJOB_JOBS, callers, () => queue.add(async () => 1));
}

/** Median of RUNS alternating runs of drover and its anchor. */
async function sideBySide(
  drover: () => number | Promise<number>,
  anchor: () => number | Promise<number>,
): Promise<{ drover: number; anchor: number }> {
  const d: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(await anchor());
    d.push(await drover());
  }
  return { drover: median(d), anchor: median(a) };
}

for (const concurrency of [1, 10, 100]) {
  const name = `memory-throughput-c${concurrency}`;
  if (!filter.test(name)) continue;
  const r = await sideBySide(
    () => droverThroughput(concurrency),
    () => pqueueThroughput(concurrency),
  );
  print({
    bench: name,
    jobs: JOBS,
    concurrency,
    droverJobsPerSec: Math.round(r.drover),
    pqueueJobsPerSec: Math.round(r.anchor),
    ratio: ratio(r.drover, r.anchor),
  });
}
const perJobRows: { name: string; callers: number; concurrency: number }[] = [
  { name: 'memory-perjob-c1', callers: 1, concurrency: 1 },
  { name: 'memory-perjob-c10', callers: 10, concurrency: 10 },
  { name: 'memory-perjob-c100', callers: 100, concurrency: 100 },
  { name: 'memory-perjob-50-callers-c10', callers: 50, concurrency: 10 },
];
for (const { name, callers, concurrency } of perJobRows) {
  if (!filter.test(name)) continue;
  const r = await sideBySide(
    () => droverPerJob(callers, concurrency),
    () => pqueuePerJob(callers, concurrency),
  );
  print({
    bench: name,
    jobs: PERJOB_JOBS,
    callers,
    concurrency,
    droverJobsPerSec: Math.round(r.drover),
    pqueueJobsPerSec: Math.round(r.anchor),
    ratio: ratio(r.drover, r.anchor),
  });
}
if (filter.test('memory-bytes-per-queued-job')) {
  if (!gc) console.error('run with --expose-gc for exact memory figures');
  const r = await sideBySide(droverMemory, pqueueMemory);
  print({
    bench: 'memory-bytes-per-queued-job',
    jobs: MEMORY_JOBS,
    droverBytes: Math.round(r.drover),
    pqueueBytes: Math.round(r.anchor),
    ratio: ratio(r.drover, r.anchor),
  });
}
