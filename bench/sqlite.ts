/**
 * drover's server on the embedded SQLite store (synchronous=FULL) against
 * BullMQ on the local Redis, side by side in one run (issue 3):
 *
 * - enqueue over HTTP, in batches of 1,000 and one job per request (32 in
 *   flight), vs BullMQ `addBulk` and `add` (32 in flight), both after a
 *   warm-up that is not timed;
 * - jobs/s processed by the in-server herd at concurrency 1, 10 and 50
 *   (queue pre-filled, then the herd is grown with PATCH /herd), vs a BullMQ
 *   Worker of the same concurrency on a pre-filled queue;
 * - enqueue → start latency p50/p99 on an idle system, one job at a time;
 * - the per-job path in one process: callers each `await t.call()` then
 *   `await job.result()` one job at a time on `sqlite:` (synchronous=FULL)
 *   with an in-process worker — 1 caller at concurrency 1, 50 callers at
 *   concurrency 10 and 50 — vs BullMQ `add()` + `job.waitUntilFinished()`
 *   with a Worker of the same concurrency (median of three runs each).
 *
 * Every figure is the median of three runs (a fresh server or queue each).
 * Prints one JSON line per measurement with the ratio drover / BullMQ
 * (for latency: BullMQ / drover, so > 1 is better for drover too).
 *
 *   npm run bench:sqlite
 *   BENCH_FILTER=process BENCH_JOBS=50000 npm run bench:sqlite
 *   BENCH_FILTER=perjob BENCH_SQLITE_QUERY='&commitWindow=1' npm run bench:sqlite   # per-job rows, a 1 ms window
 *   BENCH_FILTER=perjob BENCH_SYNC=NORMAL npm run bench:sqlite                      # per-job rows without fsync
 *
 * The drover server runs as a child process (`drover server`, via tsx) on
 * a fresh database per measurement; BullMQ uses a unique queue name and
 * prefix per measurement and obliterates only its own keys.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Drover } from '../src/index.js';
import { Redis } from 'ioredis';
import {
  filter,
  httpJson,
  median,
  redisClient,
  redisReachable,
  now,
  percentile,
  print,
  ratio,
  sleep,
} from './common.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const SINGLE_JOBS = Number(process.env.BENCH_SINGLE_JOBS ?? JOBS);
/** Requests sent (and not timed) before a measurement, so the JIT is warm on both sides. */
const WARMUP = 2_000;
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);
const IN_FLIGHT = 32;
/** Jobs per run of the per-job rows (the 1-caller row runs a quarter: one fsync'd commit per step). */
const PERJOB_JOBS = Number(process.env.BENCH_PERJOB_JOBS ?? 4_000);
const RUNS = 3;
/** More `sqlite:` URL options for the per-job rows, e.g. `&commitWindow=1`. */
const SQLITE_QUERY = process.env.BENCH_SQLITE_QUERY ?? '';
const BATCH = 1000;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = resolve(import.meta.dirname, '..');

// ─── drover: a server child process on a fresh database ────────────────────

interface DroverServer {
  child: ChildProcess;
  port: number;
  dir: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

async function startDrover(concurrency: number): Promise<DroverServer> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-'));
  const store = `sqlite:${join(dir, 'bench.db')}?synchronous=FULL`;
  const args = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--store', store, '--port', '0'];
  args.push(
    '--tasks',
    join(ROOT, 'bench/sqlite-tasks.ts'),
    '--concurrency',
    String(concurrency),
    '--log-level',
    'info',
  );
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DROVER_SECRET: '' },
  });
  let log = '';
  const port = await new Promise<number>((done, fail) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const match = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(log);
      if (match) done(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`drover server exited (${code}):\n${log}`)));
  });
  return { child, port, dir };
}

async function stopDrover(server: DroverServer): Promise<void> {
  const exited = new Promise((done) => server.child.once('exit', done));
  server.child.kill('SIGTERM');
  await exited;
  rmSync(server.dir, { recursive: true, force: true });
}

function call(
  server: DroverServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return httpJson({ port: server.port, method, path, body, agent });
}

async function succeeded(server: DroverServer, queue: string): Promise<number> {
  const { body } = await call(server, 'GET', '/v1/queues');
  return (
    (body as { queues: { queue: string; succeeded: number }[] }).queues.find((q) => q.queue === queue)?.succeeded ?? 0
  );
}

async function droverEnqueueBatch(server: DroverServer, jobs: number): Promise<number> {
  const start = now();
  for (let sent = 0; sent < jobs; sent += BATCH) {
    await call(
      server,
      'POST',
      '/v1/jobs',
      Array.from({ length: Math.min(BATCH, jobs - sent) }, () => ({ task: 'noop', args: [] })),
    );
  }
  return jobs / ((now() - start) / 1000);
}

async function inFlight(total: number, send: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < total) await send();
    }),
  );
  return total / ((now() - start) / 1000);
}

async function droverProcess(concurrency: number): Promise<number> {
  const server = await startDrover(0);
  try {
    await droverEnqueueBatch(server, JOBS);
    const start = now();
    await call(server, 'PATCH', '/herd', { num: concurrency });
    while ((await succeeded(server, 'noop')) < JOBS) await sleep(10);
    return JOBS / ((now() - start) / 1000);
  } finally {
    await stopDrover(server);
  }
}

async function droverLatency(): Promise<number[]> {
  const server = await startDrover(1);
  try {
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
      const { body } = await call(server, 'POST', '/v1/jobs', { task: 'latency', args: [now()] });
      const { body: job } = await call(server, 'GET', `/v1/jobs/${(body as { id: string }).id}/result?timeout=10000`);
      if (i >= 20) samples.push((job as { result: number }).result); // the first ones warm up
    }
    return samples.sort((a, b) => a - b);
  } finally {
    await stopDrover(server);
  }
}

// ─── BullMQ on the local Redis ──────────────────────────────────────────────

function redis(): Redis {
  return redisClient(REDIS_URL);
}

/** Runs `body` with a fresh queue (unique name and prefix), then removes exactly that queue's keys. */
async function withBullQueue<T>(
  body: (queue: Queue, name: string, prefix: string, connection: Redis) => Promise<T>,
): Promise<T> {
  const connection = redis();
  await connection.connect();
  const name = `bench-${randomUUID()}`;
  const prefix = `drover-bench-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(name, { connection, prefix });
  try {
    return await body(queue, name, prefix, connection);
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
  }
}

async function bullEnqueueBatch(jobs: number): Promise<number> {
  return withBullQueue(async (queue) => {
    for (let i = 0; i < 3; i++)
      await queue.addBulk(Array.from({ length: BATCH }, () => ({ name: 'warmup', data: {} })));
    const start = now();
    for (let sent = 0; sent < jobs; sent += BATCH) {
      await queue.addBulk(Array.from({ length: Math.min(BATCH, jobs - sent) }, () => ({ name: 'noop', data: {} })));
    }
    return jobs / ((now() - start) / 1000);
  });
}

async function bullEnqueueSingle(jobs: number): Promise<number> {
  return withBullQueue(async (queue) => {
    await inFlight(WARMUP, () => queue.add('warmup', {}));
    return inFlight(jobs, () => queue.add('noop', {}));
  });
}

async function bullProcess(concurrency: number): Promise<number> {
  return withBullQueue(async (queue, name, prefix) => {
    for (let sent = 0; sent < JOBS; sent += BATCH) {
      await queue.addBulk(Array.from({ length: Math.min(BATCH, JOBS - sent) }, () => ({ name: 'noop', data: {} })));
    }
    const connection = redis();
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const start = now();
    const worker = new Worker(name, async () => undefined, { connection, prefix, concurrency });
    worker.on('completed', () => {
      if (++done === JOBS) finish();
    });
    await finished;
    const rate = JOBS / ((now() - start) / 1000);
    await worker.close();
    connection.disconnect();
    return rate;
  });
}

async function bullLatency(): Promise<number[]> {
  return withBullQueue(async (queue, name, prefix) => {
    const connection = redis();
    let took: ((ms: number) => void) | undefined;
    const worker = new Worker(
      name,
      async (job) => {
        took?.(now() - (job.data as { sentAt: number }).sentAt);
      },
      { connection, prefix, concurrency: 1 },
    );
    await worker.waitUntilReady();
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
      const measured = new Promise<number>((resolve) => (took = resolve));
      await queue.add('latency', { sentAt: now() });
      const ms = await measured;
      if (i >= 20) samples.push(ms);
      await sleep(1); // let the worker finish the job before the next one
    }
    await worker.close();
    connection.disconnect();
    return samples.sort((a, b) => a - b);
  });
}

// ─── the per-job path: call() + result(), in one process ─────────────────────

/** `callers` loops, each awaiting one job at a time until `jobs` are done; jobs per second. */
async function perJob(jobs: number, callers: number, one: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started++ < jobs) await one();
    }),
  );
  return jobs / ((now() - start) / 1000);
}

async function droverPerJob(jobs: number, callers: number, concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-'));
  const app = new Drover({
    broker: `sqlite:${join(dir, 'bench.db')}?synchronous=${process.env.BENCH_SYNC ?? 'FULL'}${SQLITE_QUERY}`,
  });
  try {
    const noop = app.task('noop', () => 1);
    const worker = app.worker({ concurrency });
    await perJob(Math.min(200, jobs), callers, async () => (await noop.call()).result()); // warm-up
    const rate = await perJob(jobs, callers, async () => (await noop.call()).result());
    await worker.close();
    return rate;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bullPerJob(jobs: number, callers: number, concurrency: number): Promise<number> {
  return withBullQueue(async (queue, name, prefix) => {
    const workerConnection = redis();
    const events = new QueueEvents(name, { connection: redisClient(REDIS_URL), prefix });
    const worker = new Worker(name, async () => 1, { connection: workerConnection, prefix, concurrency });
    events.setMaxListeners(callers * 2 + 10); // one `closing` listener per waitUntilFinished in flight
    try {
      await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
      const one = async (): Promise<unknown> => (await queue.add('noop', {})).waitUntilFinished(events);
      await perJob(Math.min(200, jobs), callers, one); // warm-up
      return await perJob(jobs, callers, one);
    } finally {
      await worker.close();
      await events.close();
      workerConnection.disconnect();
    }
  });
}

// ─── the run ─────────────────────────────────────────────────────────────────

const bull = await redisReachable(REDIS_URL);
if (!bull) print({ bench: 'bullmq', error: `Redis not reachable at ${REDIS_URL}; BullMQ figures are left out` });
const maybe = async <T>(run: () => Promise<T>): Promise<T | undefined> => (bull ? run() : undefined);

/** Warms a fresh server's HTTP and enqueue paths with jobs of a task nobody runs. */
async function warmDrover(server: DroverServer): Promise<void> {
  await inFlight(WARMUP, () => call(server, 'POST', '/v1/jobs', { task: 'warmup', args: [] }));
  for (let i = 0; i < 3; i++)
    await call(
      server,
      'POST',
      '/v1/jobs',
      Array.from({ length: BATCH }, () => ({ task: 'warmup', args: [] })),
    );
}

/** RUNS runs of `run`, their median (undefined when the anchor is left out). */
async function medianRuns(run: () => Promise<number | undefined>): Promise<number | undefined> {
  const values: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const value = await run();
    if (value !== undefined) values.push(value);
  }
  return values.length === 0 ? undefined : median(values);
}

async function freshDrover<T>(concurrency: number, body: (server: DroverServer) => Promise<T>): Promise<T> {
  const server = await startDrover(concurrency);
  try {
    return await body(server);
  } finally {
    await stopDrover(server);
  }
}

if (filter.test('sqlite-enqueue-batch')) {
  const drover = (await medianRuns(() =>
    freshDrover(0, async (server) => {
      await warmDrover(server);
      return droverEnqueueBatch(server, JOBS);
    }),
  ))!;
  const anchor = await maybe(() => medianRuns(() => bullEnqueueBatch(JOBS)));
  print({
    bench: 'sqlite-enqueue-batch',
    jobs: JOBS,
    batch: BATCH,
    droverJobsPerSec: Math.round(drover),
    bullmqJobsPerSec: anchor && Math.round(anchor),
    ratio: ratio(drover, anchor),
  });
}

if (filter.test('sqlite-enqueue-single')) {
  const drover = (await medianRuns(() =>
    freshDrover(0, async (server) => {
      await warmDrover(server);
      return inFlight(SINGLE_JOBS, () => call(server, 'POST', '/v1/jobs', { task: 'noop', args: [] }));
    }),
  ))!;
  const anchor = await maybe(() => medianRuns(() => bullEnqueueSingle(SINGLE_JOBS)));
  print({
    bench: 'sqlite-enqueue-single',
    jobs: SINGLE_JOBS,
    inFlight: IN_FLIGHT,
    droverJobsPerSec: Math.round(drover),
    bullmqJobsPerSec: anchor && Math.round(anchor),
    ratio: ratio(drover, anchor),
  });
}

for (const concurrency of [1, 10, 50]) {
  const name = `sqlite-process-c${concurrency}`;
  if (!filter.test(name)) continue;
  const drover = (await medianRuns(() => droverProcess(concurrency)))!;
  const anchor = await maybe(() => medianRuns(() => bullProcess(concurrency)));
  print({
    bench: name,
    jobs: JOBS,
    concurrency,
    droverJobsPerSec: Math.round(drover),
    bullmqJobsPerSec: anchor && Math.round(anchor),
    ratio: ratio(drover, anchor),
  });
}

if (filter.test('sqlite-latency')) {
  const drover: number[][] = [];
  const anchor: number[][] = [];
  for (let i = 0; i < RUNS; i++) {
    drover.push(await droverLatency());
    const b = await maybe(bullLatency);
    if (b) anchor.push(b);
  }
  const ms = (n: number | undefined): number | undefined => (n === undefined ? undefined : +n.toFixed(3));
  const at = (runs: number[][], p: number): number => median(runs.map((r) => percentile(r, p)));
  const [dp50, dp99] = [at(drover, 50), at(drover, 99)];
  const [bp50, bp99] = anchor.length > 0 ? [at(anchor, 50), at(anchor, 99)] : [undefined, undefined];
  print({
    bench: 'sqlite-latency',
    samples: LATENCY_SAMPLES,
    droverP50Ms: ms(dp50),
    droverP99Ms: ms(dp99),
    bullmqP50Ms: ms(bp50),
    bullmqP99Ms: ms(bp99),
    ratioP50: ratio(bp50, dp50),
    ratioP99: ratio(bp99, dp99),
  });
}

const perJobRows: { name: string; callers: number; concurrency: number; jobs: number }[] = [
  { name: 'sqlite-perjob-c1', callers: 1, concurrency: 1, jobs: Math.ceil(PERJOB_JOBS / 4) },
  { name: 'sqlite-perjob-50-callers-c10', callers: 50, concurrency: 10, jobs: PERJOB_JOBS },
  { name: 'sqlite-perjob-50-callers-c50', callers: 50, concurrency: 50, jobs: PERJOB_JOBS },
];
for (const { name, callers, concurrency, jobs } of perJobRows) {
  if (!filter.test(name)) continue;
  const drover: number[] = [];
  const anchor: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    drover.push(await droverPerJob(jobs, callers, concurrency));
    const b = await maybe(() => bullPerJob(jobs, callers, concurrency));
    if (b !== undefined) anchor.push(b);
  }
  const d = median(drover);
  const a = anchor.length > 0 ? median(anchor) : undefined;
  print({
    bench: name,
    jobs,
    callers,
    concurrency,
    droverJobsPerSec: Math.round(d),
    bullmqJobsPerSec: a && Math.round(a),
    ratio: ratio(d, a),
  });
}

agent.destroy();
