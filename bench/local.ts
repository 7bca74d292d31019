/**
 * drover on `memory:` against p-queue, side by side in one run.
 * Prints one JSON line per measurement. Filter with BENCH_FILTER=regexp,
 * size with BENCH_JOBS (default 1,000,000).
 *
 *   npm run bench:local
 */
import PQueue from 'p-queue';
import { Drover } from '../src/index.js';
import { filter, print } from './common.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 1_000_000);
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

for (const concurrency of [1, 10, 100]) {
  const name = `memory-throughput-c${concurrency}`;
  if (!filter.test(name)) continue;
  const anchor = await pqueueThroughput(concurrency);
  const drover = await droverThroughput(concurrency);
  print({
    bench: name,
    jobs: JOBS,
    concurrency,
    droverJobsPerSec: Math.round(drover),
    pqueueJobsPerSec: Math.round(anchor),
    ratio: +(drover / anchor).toFixed(2),
  });
}
if (filter.test('memory-bytes-per-queued-job')) {
  if (!gc) console.error('run with --expose-gc for exact memory figures');
  const anchor = pqueueMemory();
  const drover = await droverMemory();
  print({
    bench: 'memory-bytes-per-queued-job',
    jobs: MEMORY_JOBS,
    droverBytes: Math.round(drover),
    pqueueBytes: Math.round(anchor),
    ratio: +(drover / anchor).toFixed(2),
  });
}
