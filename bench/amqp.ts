/**
 * drover on RabbitMQ (SQLite result backend, synchronous=FULL; the enqueue and
 * process rows also with the Redis result backend) against raw amqplib doing
 * the bare minimum, side by side in one run, on the same kind of queue
 * (durable classic, x-max-priority 10):
 *
 * - enqueue: drover `callMany` in batches of 1,000 vs raw persistent publishes
 *   on a confirm channel, 1,000 then `waitForConfirms()`;
 * - process: a drover herd of 50 running no-op jobs with results recorded vs
 *   a raw consumer with prefetch 50 and a manual ack per message, both on a
 *   pre-filled queue, from the first delivery to the last ack / result;
 * - latency: enqueue → complete, one job at a time (drover `run()`: confirmed
 *   enqueue, lease, result recorded, result read) vs raw (confirmed publish →
 *   consumed and acked), p50 and p99.
 *
 * Each measurement runs BENCH_RUNS times (default 3); the median is printed,
 * one JSON line per row, with the ratio drover / raw (for latency raw / drover,
 * so above 1 is better for drover in every row).
 *
 *   npm run bench:amqp
 *   BENCH_FILTER=process BENCH_JOBS=50000 npm run bench:amqp
 *
 * Everything is declared under a unique prefix and deleted afterwards (the
 * Redis backend's keys too: `BENCH_REDIS_URL`, default redis://127.0.0.1:6379/0).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Drover, task } from '../src/index.js';
import { createAmqpBroker } from '../src/brokers/amqp/index.js';
import type { AmqpBroker } from '../src/brokers/amqp/index.js';
import { filter, now, percentile, print, ratio } from './common.js';

const URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);
const BATCH = 1000;
const PREFETCH = 50;
const prefix = `drover-bench-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-bench-'));
const rawQueues: string[] = [];
const brokers: AmqpBroker[] = [];
const redisPrefixes: string[] = [];
let runId = 0;

const noop = task('noop', (i: number) => i);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// ─── raw amqplib ─────────────────────────────────────────────────────────────

async function rawQueue(channel: amqp.Channel): Promise<string> {
  const name = `${prefix}.raw.${++runId}`;
  await channel.assertQueue(name, { durable: true, arguments: { 'x-max-priority': 10 } });
  rawQueues.push(name);
  return name;
}

async function rawPublish(channel: amqp.ConfirmChannel, queue: string, n: number): Promise<number> {
  const body = Buffer.from(JSON.stringify(['job-id-0000000000000000', 1, 'nonce', 0, Date.now(), Date.now()]));
  const start = now();
  for (let i = 0; i < n; i += BATCH) {
    for (let k = i; k < Math.min(n, i + BATCH); k++)
      channel.sendToQueue(queue, body, { persistent: true, priority: 5 });
    await channel.waitForConfirms();
  }
  return n / ((now() - start) / 1000);
}

async function rawConsume(connection: amqp.ChannelModel, queue: string, n: number): Promise<number> {
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);
  let seen = 0;
  let start = 0;
  const done = new Promise<number>((resolve) => {
    void channel.consume(queue, (msg) => {
      if (!msg) return;
      if (seen === 0) start = now();
      channel.ack(msg);
      if (++seen === n) resolve(n / ((now() - start) / 1000));
    });
  });
  const rate = await done;
  await channel.close();
  return rate;
}

async function rawLatency(connection: amqp.ChannelModel, pub: amqp.ConfirmChannel, queue: string): Promise<number[]> {
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);
  let arrived: (() => void) | undefined;
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    channel.ack(msg);
    arrived?.();
  });
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = now();
    const got = new Promise<void>((resolve) => (arrived = resolve));
    pub.sendToQueue(queue, Buffer.from(String(i)), { persistent: true });
    await pub.waitForConfirms();
    await got;
    samples.push(now() - start);
  }
  await channel.close();
  return samples.sort((a, b) => a - b);
}

// ─── drover ──────────────────────────────────────────────────────────────────

function droverApp(backend: 'sqlite' | 'redis' = 'sqlite'): Drover {
  const runPrefix = `${prefix}-${++runId}`;
  if (backend === 'redis') redisPrefixes.push(runPrefix);
  const broker = createAmqpBroker({
    url: URL,
    prefix: runPrefix,
    backend: backend === 'redis' ? `${REDIS_URL}?prefix=${runPrefix}` : `sqlite:${join(dir, `run${runId}.db`)}`,
  });
  brokers.push(broker);
  const app = new Drover({ broker });
  app.register(noop);
  return app;
}

async function droverEnqueue(app: Drover, n: number): Promise<number> {
  const handle = app.task(noop.name, noop.fn);
  const start = now();
  for (let i = 0; i < n; i += BATCH) {
    await handle.callMany(Array.from({ length: Math.min(BATCH, n - i) }, (_, k): [number] => [i + k]));
  }
  return n / ((now() - start) / 1000);
}

async function droverProcess(app: Drover, n: number): Promise<number> {
  let seen = 0;
  let start = 0;
  const done = new Promise<number>((resolve) => {
    app.on('job:active', () => {
      if (start === 0) start = now();
    });
    app.on('job:succeeded', () => {
      if (++seen === n) resolve(n / ((now() - start) / 1000));
    });
  });
  const worker = app.worker({ concurrency: PREFETCH });
  const rate = await done;
  await worker.close();
  return rate;
}

async function droverLatency(app: Drover): Promise<number[]> {
  const handle = app.task(noop.name, noop.fn);
  const worker = app.worker({ concurrency: PREFETCH });
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = now();
    await handle.run(i);
    samples.push(now() - start);
  }
  await worker.close();
  return samples.sort((a, b) => a - b);
}

// ─── the runs ────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const connection = await amqp.connect(URL);
  const pub = await connection.createConfirmChannel();
  const rows = {
    rawPub: [] as number[],
    rawCon: [] as number[],
    dPub: [] as number[],
    dProc: [] as number[],
    rPub: [] as number[],
    rProc: [] as number[],
  };
  const lat = { raw50: [] as number[], raw99: [] as number[], d50: [] as number[], d99: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    if (filter.test('enqueue') || filter.test('process')) {
      const queue = await rawQueue(pub);
      rows.rawPub.push(await rawPublish(pub, queue, JOBS));
      rows.rawCon.push(await rawConsume(connection, queue, JOBS));
      const app = droverApp();
      rows.dPub.push(await droverEnqueue(app, JOBS));
      rows.dProc.push(await droverProcess(app, JOBS));
      await app.close();
      await brokers.at(-1)!.close();
      const onRedis = droverApp('redis');
      rows.rPub.push(await droverEnqueue(onRedis, JOBS));
      rows.rProc.push(await droverProcess(onRedis, JOBS));
      await onRedis.close();
      await brokers.at(-1)!.close();
    }
    if (filter.test('latency')) {
      const queue = await rawQueue(pub);
      const raw = await rawLatency(connection, pub, queue);
      lat.raw50.push(percentile(raw, 50));
      lat.raw99.push(percentile(raw, 99));
      const app = droverApp();
      const d = await droverLatency(app);
      lat.d50.push(percentile(d, 50));
      lat.d99.push(percentile(d, 99));
      await app.close();
      await brokers.at(-1)!.close();
    }
  }
  const round = (x: number): number => Math.round(x);
  if (rows.dPub.length > 0) {
    const [d, r] = [median(rows.dPub), median(rows.rawPub)];
    print({
      bench: 'amqp-enqueue',
      jobs: JOBS,
      batch: BATCH,
      runs: RUNS,
      droverJobsPerSec: round(d),
      rawMsgsPerSec: round(r),
      ratio: ratio(d, r),
    });
    const [p, c] = [median(rows.dProc), median(rows.rawCon)];
    print({
      bench: 'amqp-process',
      jobs: JOBS,
      concurrency: PREFETCH,
      runs: RUNS,
      droverJobsPerSec: round(p),
      rawMsgsPerSec: round(c),
      ratio: ratio(p, c),
    });
    const [rp, rc] = [median(rows.rPub), median(rows.rProc)];
    print({
      bench: 'amqp-enqueue-redis-backend',
      jobs: JOBS,
      batch: BATCH,
      runs: RUNS,
      droverJobsPerSec: round(rp),
      rawMsgsPerSec: round(r),
      ratio: ratio(rp, r),
    });
    print({
      bench: 'amqp-process-redis-backend',
      jobs: JOBS,
      concurrency: PREFETCH,
      runs: RUNS,
      droverJobsPerSec: round(rc),
      rawMsgsPerSec: round(c),
      ratio: ratio(rc, c),
    });
  }
  if (lat.d50.length > 0) {
    const fix = (x: number): number => +x.toFixed(2);
    const [d50, d99, r50, r99] = [median(lat.d50), median(lat.d99), median(lat.raw50), median(lat.raw99)];
    print({
      bench: 'amqp-latency',
      samples: SAMPLES,
      runs: RUNS,
      droverP50Ms: fix(d50),
      droverP99Ms: fix(d99),
      rawP50Ms: fix(r50),
      rawP99Ms: fix(r99),
      ratioP50: ratio(r50, d50),
      ratioP99: ratio(r99, d99),
    });
  }
  await cleanup(pub);
  await connection.close();
}

/** Deletes exactly what this run declared (raw queues, and each drover broker's own list). */
async function cleanup(channel: amqp.Channel): Promise<void> {
  for (const q of rawQueues) await channel.deleteQueue(q);
  for (const broker of brokers) {
    for (const q of broker.declared.queues) await channel.deleteQueue(q);
    for (const e of broker.declared.exchanges) await channel.deleteExchange(e);
  }
  rmSync(dir, { recursive: true, force: true });
  if (redisPrefixes.length === 0) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    for (const p of redisPrefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `{${p}}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

await main();
