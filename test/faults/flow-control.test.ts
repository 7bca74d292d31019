/**
 * Flow control across processes (docs/flow-control.md): two real worker
 * processes on one SQLite file, then on one Redis, then on RabbitMQ with a
 * SQLite, then a Redis result backend, share a queue's
 * `rateLimit` (no window of `per` ms holds more than `max` lease times, over
 * 100 jobs) and `groupConcurrency` (no group ever has more than its limit
 * running, per a ledger both processes append to, while different groups
 * run at the same time).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Drover } from '../../src/index.js';
import { deletePrefix, redisUrl } from '../integration/redis-helpers.js';
import { AMQP_URL, deletePrefixed } from '../conformance/amqp-cleanup.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/flow-worker.ts');
const dir = mkdtempSync(join(tmpdir(), 'drover-flow-faults-'));
const prefix = `drover-test-flow-${randomUUID().slice(0, 8)}`;
const children: ChildProcess[] = [];
const apps: Drover[] = [];
/** Queues (task names) used on RabbitMQ, deleted afterwards under the run's prefix. */
const amqpQueues: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(apps.splice(0).map((app) => app.close({ grace: 0 })));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deletePrefix(redisUrl, prefix);
  await deletePrefix(redisUrl, `${prefix}-amqp`);
  if (amqpQueues.length > 0) await deletePrefixed(prefix, amqpQueues);
});

/** Starts one worker process; resolves once it runs. */
function startWorker(url: string, ledger: string, task: string, options: object, concurrency: number, workMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', FIXTURE, url, ledger, task, JSON.stringify(options), String(concurrency), String(workMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  return new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`flow worker exited early (${String(code)})`)));
  });
}

interface Run {
  id: string;
  group: string;
  start: number;
  end: number;
}

function readRuns(ledger: string): Run[] {
  const runs = new Map<string, Run>();
  for (const line of readFileSync(ledger, 'utf8').trim().split('\n')) {
    const [kind, id, group, at] = line.split(' ') as [string, string, string, string];
    const run = runs.get(id) ?? { id, group, start: NaN, end: NaN };
    if (kind === 'S') run.start = Number(at);
    else run.end = Number(at);
    runs.set(id, run);
  }
  return [...runs.values()];
}

/** Most runs overlapping at once, among `runs`. */
function peak(runs: readonly Run[]): number {
  const edges = runs.flatMap((r) => [
    [r.start, 1],
    [r.end, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!); // an end before a start at the same ms
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

const brokers: [string, () => string][] = [
  ['sqlite', () => `sqlite:${join(dir, `${randomUUID()}.db`)}`],
  ['redis', () => `${redisUrl}/0?prefix=${prefix}`],
  ['amqp (sqlite backend)', () => `${AMQP_URL}?prefix=${prefix}&backend=sqlite:${join(dir, `${randomUUID()}.db`)}`],
  [
    'amqp (redis backend)',
    () => `${AMQP_URL}?prefix=${prefix}&backend=${encodeURIComponent(`${redisUrl}/0?prefix=${prefix}-amqp`)}`,
  ],
];

describe.each(brokers)('flow control across two worker processes on %s', (_name, makeUrl) => {
  it('rateLimit { max: 10, per: 500 } - in any 500 ms at most 10 lease times, over 100 jobs', async () => {
    const url = makeUrl();
    const task = `rl-${randomUUID().slice(0, 8)}`;
    amqpQueues.push(task);
    const ledger = join(dir, `${task}.ledger`);
    const options = { rateLimit: { max: 10, per: 500 }, retries: 0 };
    await Promise.all([startWorker(url, ledger, task, options, 8, 10), startWorker(url, ledger, task, options, 8, 10)]);
    const app = new Drover({ broker: url });
    apps.push(app);
    const t0 = Date.now();
    const jobs = await Promise.all(Array.from({ length: 100 }, (_, i) => app.call(task, [`j${i}`])));
    const pids = new Set(await Promise.all(jobs.map((j) => j.result({ timeout: 30_000 }))));
    const elapsed = Date.now() - t0;
    const broker = await app.broker();
    const starts = (await Promise.all(jobs.map((j) => broker.getJob(j.id)))).map((s) => s!.startedAt!);
    starts.sort((a, b) => a - b);
    for (let i = 0; i + 10 < starts.length; i++)
      expect(starts[i + 10]! - starts[i]!, `leases ${i}..${i + 10}`).toBeGreaterThanOrEqual(500);
    expect(pids.size).toBe(2); // both processes took part
    // 100 jobs at 10 per 500 ms need at least 9 full windows after the first.
    expect(elapsed).toBeGreaterThanOrEqual(4500);
    console.log(JSON.stringify({ broker: _name, test: 'rateLimit', jobs: 100, elapsedMs: elapsed }));
  });

  it('groupConcurrency 2 - never more than 2 running per group; groups run side by side', async () => {
    const url = makeUrl();
    const task = `gc-${randomUUID().slice(0, 8)}`;
    amqpQueues.push(task);
    const ledger = join(dir, `${task}.ledger`);
    const options = { groupConcurrency: 2, retries: 0 };
    await Promise.all([
      startWorker(url, ledger, task, options, 8, 150),
      startWorker(url, ledger, task, options, 8, 150),
    ]);
    const app = new Drover({ broker: url });
    apps.push(app);
    const groups = ['a', 'b', 'c', 'd'];
    const t0 = Date.now();
    const jobs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => app.call(task, [groups[i % 4]!], { group: groups[i % 4]! })),
    );
    await Promise.all(jobs.map((j) => j.result({ timeout: 30_000 })));
    const elapsed = Date.now() - t0;
    const runs = readRuns(ledger);
    expect(runs).toHaveLength(40);
    for (const g of groups) expect(peak(runs.filter((r) => r.group === g)), `group ${g}`).toBeLessThanOrEqual(2);
    // Groups in parallel: more than one group's limit running at once, and well under
    // the 4 × 10 × 150 / 2 = 3000 ms that one group at a time would take.
    expect(peak(runs)).toBeGreaterThan(2);
    expect(elapsed).toBeLessThan(3000);
    console.log(
      JSON.stringify({ broker: _name, test: 'groupConcurrency', jobs: 40, elapsedMs: elapsed, peak: peak(runs) }),
    );
  });
});
