/**
 * Remote workers (issue 4): jobs enqueued over HTTP in batches, through a
 * `drover server` (on the `sqlite:` store, synchronous=FULL, and on
 * `memory:`), to 2 `drover worker` processes of concurrency 50 each over the
 * WebSocket protocol — side by side in one run with BullMQ on the local
 * Redis (`addBulk` batches, 2 worker processes of concurrency 50):
 *
 * - throughput: jobs/s from the first batch sent to the last job finished,
 *   batches of 1,000 with 4 in flight while the workers drain them, after an
 *   untimed warm-up through the same processes;
 * - enqueue → start latency p50/p99 on an idle system, one job at a time;
 * - enqueue → result latency p50/p99, one job at a time, as a caller sees
 *   it: from just before the enqueue request to the result in hand (drover:
 *   `POST /v1/jobs` then `GET /v1/jobs/:id/result`; BullMQ: `add()` then
 *   `job.waitUntilFinished()`);
 * - the same in one request (drover: `POST /v1/jobs?wait=ms`, enqueue and
 *   wait; BullMQ's figure is the same `add()` + `waitUntilFinished()`),
 *   sampled alternately with the row above.
 *
 * Every figure is the median of three runs through the same processes.
 *
 * One JSON line per measurement, with the ratio drover / BullMQ (for
 * latency BullMQ / drover, so > 1 is better for drover too).
 *
 *   npm run bench:remote
 *   BENCH_FILTER=memory BENCH_JOBS=20000 npm run bench:remote
 *
 * Servers and workers run from source through tsx, as `bench/sqlite.ts`.
 * BullMQ uses a unique queue name and prefix and obliterates only its own keys.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
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

const JOBS = Number(process.env.BENCH_JOBS ?? 50_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10_000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);
/**
 * Untimed one-at-a-time round trips through the latency path before the
 * timed runs, for drover and BullMQ alike: the first ~1,000 requests after a
 * start run on code V8 has not optimised yet (p50 twice the steady state).
 */
const LATENCY_WARMUP = Number(process.env.BENCH_LATENCY_WARMUP ?? 2_000);
const WORKERS = 2;
const CONCURRENCY = 50;
const BATCH = 1000;
const BATCHES_IN_FLIGHT = 4;
const RUNS = 3;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = resolve(import.meta.dirname, '..');
const SECRET = randomBytes(32).toString('hex');

const ms = (n: number | undefined): number | undefined => (n === undefined ? undefined : +n.toFixed(3));

/** Sends `total` jobs in batches, `BATCHES_IN_FLIGHT` at a time. */
async function batches(total: number, send: (size: number) => Promise<unknown>): Promise<void> {
  const count = Math.ceil(total / BATCH);
  let next = 0;
  await Promise.all(
    Array.from({ length: BATCHES_IN_FLIGHT }, async () => {
      for (let i = next++; i < count; i = next++) await send(Math.min(BATCH, total - i * BATCH));
    }),
  );
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  return exited;
}

// ─── drover: a server and two worker processes ──────────────────────────────

interface DroverRig {
  server: ChildProcess;
  workers: ChildProcess[];
  port: number;
  dir: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DROVER_SECRET: SECRET },
  });
}

async function startRig(store: 'sqlite' | 'memory'): Promise<DroverRig> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-remote-'));
  const url = store === 'sqlite' ? `sqlite:${join(dir, 'bench.db')}` : 'memory:';
  const server = spawnCli(['server', '--store', url, '--port', '0', '--log-level', 'info']);
  let log = '';
  const port = await new Promise<number>((done, fail) => {
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const match = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(log);
      if (match) done(Number(match[1]));
    });
    server.once('exit', (code) => fail(new Error(`drover server exited (${code}):\n${log}`)));
  });
  const tasks = join(ROOT, 'bench/remote-tasks.ts');
  const workers = Array.from({ length: WORKERS }, () =>
    spawnCli([
      'worker',
      tasks,
      '--server',
      `ws://127.0.0.1:${port}`,
      '--concurrency',
      String(CONCURRENCY),
      '--log-level',
      'warn',
    ]),
  );
  const rig = { server, workers, port, dir };
  for (;;) {
    const { body } = await call(rig, 'GET', '/v1/workers');
    if ((body as { workers: unknown[] }).workers.length === WORKERS) return rig;
    await sleep(50);
  }
}

async function stopRig(rig: DroverRig): Promise<void> {
  await Promise.all(rig.workers.map(stop));
  await stop(rig.server);
  rmSync(rig.dir, { recursive: true, force: true });
}

function call(
  rig: DroverRig,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return httpJson({ port: rig.port, method, path, body, agent, secret: SECRET });
}

/** True once no noop job is waiting, delayed or running (finished-job counts are capped by retention, so they cannot tell). */
async function drained(rig: DroverRig): Promise<boolean> {
  const { body } = await call(rig, 'GET', '/v1/queues');
  type Counts = { queue: string; waiting: number; active: number; delayed: number };
  const noop = (body as { queues: Counts[] }).queues.find((q) => q.queue === 'noop');
  return noop !== undefined && noop.waiting + noop.active + noop.delayed === 0;
}

/** Jobs/s of `jobs` noop jobs, from the first batch sent to the last job done. */
async function droverRun(rig: DroverRig, jobs: number): Promise<number> {
  const start = now();
  const body = (size: number): unknown[] => Array.from({ length: size }, () => ({ task: 'noop', args: [] }));
  await batches(jobs, (size) => call(rig, 'POST', '/v1/jobs', body(size)));
  while (!(await drained(rig))) await sleep(5);
  return jobs / ((now() - start) / 1000);
}

/** One latency run: enqueue → start, and enqueue → result as the caller sees it (ms, ascending). */
interface Latencies {
  start: number[];
  result: number[];
  /** Drover only: enqueue → result through `POST /v1/jobs?wait=`. */
  oneRequest?: number[];
}

async function droverLatency(rig: DroverRig, samples = LATENCY_SAMPLES): Promise<Latencies> {
  const start: number[] = [];
  const result: number[] = [];
  const oneRequest: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const sent = now();
    const { body } = await call(rig, 'POST', '/v1/jobs', { task: 'latency', args: [sent] });
    const { body: job } = await call(rig, 'GET', `/v1/jobs/${(body as { id: string }).id}/result?timeout=10000`);
    const done = now();
    const sentOne = now();
    const { status } = await call(rig, 'POST', '/v1/jobs?wait=10000', { task: 'latency', args: [sentOne] });
    const doneOne = now();
    if (status !== 200) throw new Error(`POST /v1/jobs?wait= answered ${status}, not the ended job`);
    if (i < 20) continue; // the first ones warm up
    start.push((job as { result: number }).result);
    result.push(done - sent);
    oneRequest.push(doneOne - sentOne);
  }
  const up = (a: number[]): number[] => a.sort((x, y) => x - y);
  return { start: up(start), result: up(result), oneRequest: up(oneRequest) };
}

/** Median over runs of one percentile of each run. */
function medianOf(runs: readonly number[][], p: number): number {
  return median(runs.map((r) => percentile(r, p)));
}

// ─── BullMQ: the same shape on the local Redis ───────────────────────────────

function redis(): Redis {
  return redisClient(REDIS_URL);
}

/** A worker process: `tsx bench/remote.ts --bullmq-worker <queue> <prefix>`. */
async function bullWorkerProcess(name: string, prefix: string): Promise<void> {
  const connection = redis();
  const worker = new Worker(
    name,
    async (job) => (job.name === 'latency' ? now() - (job.data as { sentAt: number }).sentAt : undefined),
    {
      connection,
      prefix,
      concurrency: CONCURRENCY,
    },
  );
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void worker.close().then(() => {
      connection.disconnect();
      process.exit(0);
    });
  });
}

interface BullFigures {
  rates: number[];
  latencies: Latencies[];
}

async function bullRun(): Promise<BullFigures> {
  const connection = redis();
  await connection.connect();
  const name = `bench-remote-${randomUUID()}`;
  const prefix = `drover-bench-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(name, { connection, prefix });
  const events = new QueueEvents(name, { connection: redis(), prefix });
  const workers = Array.from({ length: WORKERS }, () =>
    spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/remote.ts'), '--bullmq-worker', name, prefix], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise<void>((done) => w.stdout.once('data', () => done()))));
    await events.waitUntilReady();
    const completed = async (): Promise<number> => (await queue.getJobCounts('completed')).completed ?? 0;
    const run = async (jobs: number): Promise<number> => {
      const before = await completed(); // latency jobs complete too
      const start = now();
      await batches(jobs, (size) => queue.addBulk(Array.from({ length: size }, () => ({ name: 'noop', data: {} }))));
      while ((await completed()) < before + jobs) await sleep(5);
      return jobs / ((now() - start) / 1000);
    };
    const latency = async (samples: number): Promise<Latencies> => {
      const start: number[] = [];
      const result: number[] = [];
      for (let i = 0; i < samples + 20; i++) {
        const sent = now();
        const job = await queue.add('latency', { sentAt: sent });
        const took = (await job.waitUntilFinished(events, 10_000)) as number;
        const done = now();
        if (i < 20) continue;
        start.push(took);
        result.push(done - sent);
      }
      return { start: start.sort((a, b) => a - b), result: result.sort((a, b) => a - b) };
    };
    await run(WARMUP);
    await latency(LATENCY_WARMUP);
    const figures: BullFigures = { rates: [], latencies: [] };
    for (let r = 0; r < RUNS; r++) {
      figures.rates.push(await run(JOBS));
      figures.latencies.push(await latency(LATENCY_SAMPLES));
    }
    return figures;
  } finally {
    await Promise.all(workers.map(stop));
    await events.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
  }
}

// ─── the run ─────────────────────────────────────────────────────────────────

if (process.argv[2] === '--bullmq-worker') {
  await bullWorkerProcess(process.argv[3]!, process.argv[4]!);
} else {
  let bull: BullFigures | undefined;
  if (await redisReachable(REDIS_URL)) bull = await bullRun();
  else print({ bench: 'bullmq', error: `Redis not reachable at ${REDIS_URL}; BullMQ figures are left out` });
  const bullStart = bull?.latencies.map((l) => l.start);
  const bullResult = bull?.latencies.map((l) => l.result);
  for (const store of ['sqlite', 'memory'] as const) {
    if (!filter.test(store)) continue;
    const rig = await startRig(store);
    try {
      await droverRun(rig, WARMUP);
      await droverLatency(rig, LATENCY_WARMUP / 2); // each round is a POST + GET and a POST?wait
      const rates: number[] = [];
      const latencies: Latencies[] = [];
      for (let r = 0; r < RUNS; r++) {
        rates.push(await droverRun(rig, JOBS));
        latencies.push(await droverLatency(rig));
      }
      const rate = median(rates);
      const bullRate = bull && median(bull.rates);
      print({
        bench: `remote-${store}-throughput`,
        jobs: JOBS,
        workers: WORKERS,
        concurrency: CONCURRENCY,
        droverJobsPerSec: Math.round(rate),
        bullmqJobsPerSec: bullRate && Math.round(bullRate),
        ratio: ratio(rate, bullRate),
      });
      for (const [kind, mine, theirs] of [
        ['latency', latencies.map((l) => l.start), bullStart],
        ['result-latency', latencies.map((l) => l.result), bullResult],
        ['result-latency-one-request', latencies.map((l) => l.oneRequest!), bullResult],
      ] as const) {
        const [dp50, dp99] = [medianOf(mine, 50), medianOf(mine, 99)];
        const [bp50, bp99] = theirs ? [medianOf(theirs, 50), medianOf(theirs, 99)] : [undefined, undefined];
        print({
          bench: `remote-${store}-${kind}`,
          samples: LATENCY_SAMPLES,
          droverP50Ms: ms(dp50),
          droverP99Ms: ms(dp99),
          bullmqP50Ms: ms(bp50),
          bullmqP99Ms: ms(bp99),
          ratioP50: ratio(bp50, dp50),
          ratioP99: ratio(bp99, dp99),
        });
      }
    } finally {
      await stopRig(rig);
    }
  }
  agent.destroy();
}
