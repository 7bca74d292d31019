/**
 * SQLite-specific behaviour beyond the conformance suite: two connections on
 * one file, durability across reopen, migrations, URL parsing, codecs,
 * bounded progress, lazy driver loading.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EnqueueRequest } from '../../src/brokers/contract.js';
import type { SqliteBroker, SqliteBrokerOptions } from '../../src/brokers/sqlite/index.js';
import { createSqliteBroker, parseSqliteUrl } from '../../src/brokers/sqlite/index.js';
import { msgpackCodec } from '../../src/core/codec.js';
import { migrate } from '../../src/brokers/sqlite/database.js';
import { Drover } from '../../src/index.js';
import type { Report } from '../../src/core/report.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'drover-sqlite-broker-'));
const opened: SqliteBroker[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dbPath(): string {
  return join(dir, `${randomUUID()}.db`);
}

async function open(options: SqliteBrokerOptions): Promise<SqliteBroker> {
  const broker = createSqliteBroker({ sweepInterval: 50, pollInterval: 20, ...options });
  opened.push(broker);
  await broker.connect();
  return broker;
}

function job(queue: string, args: unknown[] = [], extra: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    id: `j-${randomUUID()}`,
    task: 't',
    queue,
    args,
    priority: 0,
    delayMs: 0,
    options: { retries: 1, backoff: { type: 'fixed', delay: 1, max: 1 } },
    ...extra,
  };
}

async function until(check: () => boolean | Promise<boolean>, timeout = 3000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('sqlite broker', () => {
  it('.watch() and .onReady() see changes made through another connection', async () => {
    const path = dbPath();
    const [a, b] = [await open({ path }), await open({ path })];
    let ready = 0;
    a.onReady(() => ready++);
    const req = job('q');
    await b.enqueue([req]);
    await until(() => ready > 0);
    const live: Report[] = [];
    const watch = await a.watch(req.id, (r) => live.push(r));
    expect(watch!.history.map((r) => r.status)).toEqual(['queued']);
    const [leased] = await b.lease({ queues: ['q'], max: 1, leaseMs: 10_000 });
    await b.progress(leased!, 50);
    await b.ack(leased!, { ok: true });
    await until(() => live.length === 3);
    expect(live.map((r) => [r.status, r.progress ?? r.result])).toEqual([
      ['active', undefined],
      ['progress', 50],
      ['succeeded', { ok: true }],
    ]);
    watch!.stop();
  });

  it('.onCancel() fires for a held job that another connection cancels', async () => {
    const path = dbPath();
    const [a, b] = [await open({ path }), await open({ path })];
    const cancelled: string[] = [];
    a.onCancel((id) => cancelled.push(id));
    const [held, other] = [job('q'), job('q')];
    await a.enqueue([held, other]);
    const leased = await a.lease({ queues: ['q'], max: 2, leaseMs: 10_000 });
    expect(leased.map((j) => j.id)).toEqual([held.id, other.id]);
    expect(await b.cancel(held.id)).toBe('aborted');
    await until(() => cancelled.length > 0);
    expect(cancelled).toEqual([held.id]);
    await expect(a.ack(leased[0]!, 'late')).rejects.toMatchObject({ code: 'ERR_DROVER_STALE_LEASE' });
    await a.ack(leased[1]!, 'fine');
  });

  it('jobs survive closing and reopening the file', async () => {
    const path = dbPath();
    const first = await open({ path });
    const req = job('q', [1, 'two', { three: 3 }]);
    await first.enqueue([req, job('q', [], { delayMs: 60_000 })]);
    await first.close();
    const second = await open({ path });
    expect(await second.getJob(req.id)).toMatchObject({ status: 'queued', args: [1, 'two', { three: 3 }] });
    expect((await second.counts()).find((c) => c.queue === 'q')).toMatchObject({ waiting: 1, delayed: 1 });
    const [leased] = await second.lease({ queues: ['q'], max: 5, leaseMs: 1000 });
    expect(leased?.id).toBe(req.id);
  });

  it('applies a migration numbered below one already applied (features land out of order)', () => {
    const conn = new Database(dbPath());
    const m = (version: number) => ({ version, name: `m${version}`, sql: `CREATE TABLE t${version} (x INTEGER);` });
    migrate(conn, [m(1), m(2), m(4)]);
    migrate(conn, [m(1), m(2), m(3), m(4)]);
    expect(conn.prepare('SELECT version FROM drover_migrations ORDER BY version').pluck().all()).toEqual([1, 2, 3, 4]);
    expect(conn.prepare("SELECT count(*) FROM sqlite_master WHERE name = 't3'").pluck().get()).toBe(1);
    conn.close();
  });

  it('applies numbered migrations once, and refuses a newer schema', async () => {
    const path = dbPath();
    await (await open({ path })).close();
    await (await open({ path })).close();
    const conn = new Database(path);
    expect(conn.prepare('SELECT version, name FROM drover_migrations').all()).toEqual([
      { version: 1, name: 'init' },
      { version: 2, name: 'queue-settings' },
      { version: 3, name: 'flow-control' },
      { version: 4, name: 'schedules' },
      { version: 5, name: 'flows' },
      { version: 6, name: 'workers' },
      { version: 7, name: 'job-logs' },
    ]);
    expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');
    conn.prepare('INSERT INTO drover_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    conn.close();
    await expect(open({ path })).rejects.toMatchObject({
      code: 'ERR_DROVER_BROKER',
      message: expect.stringMatching(/newer/),
    });
  });

  it('rejects with a BrokerError naming the path when the file cannot be opened', async () => {
    const path = join(dir, 'no-such-dir', 'x.db');
    await expect(open({ path })).rejects.toMatchObject({
      code: 'ERR_DROVER_BROKER',
      message: expect.stringContaining(path),
    });
  });

  it('parseSqliteUrl() - paths and options', () => {
    expect(parseSqliteUrl('sqlite:./drover.db')).toEqual({ path: './drover.db' });
    expect(parseSqliteUrl('sqlite:/var/lib/drover.db')).toEqual({ path: '/var/lib/drover.db' });
    expect(parseSqliteUrl('sqlite:///var/lib/drover.db')).toEqual({ path: '/var/lib/drover.db' });
    expect(parseSqliteUrl('sqlite::memory:')).toEqual({ path: ':memory:' });
    expect(parseSqliteUrl('sqlite:./a%20b.db?synchronous=normal&resultTtl=60000&sweepInterval=250')).toEqual({
      path: './a b.db',
      synchronous: 'NORMAL',
      resultTtl: 60_000,
      sweepInterval: 250,
    });
    expect(() => parseSqliteUrl('sqlite:')).toThrow(/file path/);
    expect(() => parseSqliteUrl('sqlite:x.db?synchronous=OFF')).toThrow(/FULL or NORMAL/);
    expect(() => parseSqliteUrl('sqlite:x.db?busyTimeout=-1')).toThrow(/positive integer/);
    expect(() => parseSqliteUrl('sqlite:x.db?bogus=1')).toThrow(/Unknown sqlite: option "bogus"/);
    expect(() => parseSqliteUrl('redis://x')).toThrow(/sqlite: URL/);
  });

  it('createSqliteBroker() - bad options say what was expected', () => {
    expect(() => createSqliteBroker({ path: '' })).toThrow(/Expected `path` to be a non-empty file path/);
    expect(() => createSqliteBroker({ path: 'x.db', synchronous: 'OFF' as 'FULL' })).toThrow(/Expected `synchronous`/);
    expect(() => createSqliteBroker({ path: 'x.db', sweepInterval: 0 })).toThrow(/sweepInterval/);
  });

  it('stores args, results and progress with the msgpack codec', async () => {
    const broker = await open({ path: dbPath(), codec: msgpackCodec });
    const when = new Date('2026-01-02T03:04:05Z');
    const args = [when, new Map([['k', 1n]]), new Uint8Array([1, 2, 3])];
    const req = job('q', args);
    await broker.enqueue([req]);
    const [leased] = await broker.lease({ queues: ['q'], max: 1, leaseMs: 1000 });
    expect(leased!.args).toEqual(args);
    await broker.progress(leased!, new Set([1, 2]));
    await broker.ack(leased!, [when, 2n ** 70n]);
    expect(await broker.getJob(req.id)).toMatchObject({ progress: new Set([1, 2]), result: [when, 2n ** 70n] });
  });

  it('keeps at most maxProgressReports progress reports per job', async () => {
    const broker = await open({ path: dbPath(), maxProgressReports: 10 });
    await broker.enqueue([job('q')]);
    const [leased] = await broker.lease({ queues: ['q'], max: 1, leaseMs: 10_000 });
    for (let i = 0; i < 50; i++) await broker.progress(leased!, i);
    await broker.ack(leased!, 'done');
    const watch = await broker.watch(leased!.id, () => {});
    const progress = watch!.history.filter((r) => r.status === 'progress').map((r) => r.progress);
    expect(progress.length).toBeLessThanOrEqual(10);
    expect(progress.at(-1)).toBe(49);
    expect(watch!.history.map((r) => r.status).at(-1)).toBe('succeeded');
    watch!.stop();
  });

  it('a write that fails (duplicate id) fails alone; writes committed with it in the same turn succeed', async () => {
    const broker = await open({ path: dbPath() });
    const existing = job('q');
    await broker.enqueue([existing]);
    const fresh = job('q');
    const [ok, bad] = await Promise.allSettled([broker.enqueue([fresh]), broker.enqueue([job('q'), { ...existing }])]);
    expect(ok).toMatchObject({ status: 'fulfilled', value: [{ id: fresh.id, duplicate: false }] });
    expect(bad).toMatchObject({
      status: 'rejected',
      reason: { code: 'ERR_DROVER_BROKER', message: expect.stringMatching(/UNIQUE/) },
    });
    // The failed batch is atomic: none of it was stored.
    expect((await broker.counts()).find((c) => c.queue === 'q')?.waiting).toBe(2);
  });

  it('methods after close() reject with ClosedError', async () => {
    const broker = await open({ path: dbPath() });
    await broker.close();
    await expect(broker.enqueue([job('q')])).rejects.toMatchObject({ code: 'ERR_DROVER_CLOSED' });
    await expect(broker.getJob('x')).rejects.toMatchObject({ code: 'ERR_DROVER_CLOSED' });
  });

  it('runs an app end to end from a sqlite: URL: results, reports, retries', async () => {
    const app = new Drover({ broker: `sqlite:${dbPath()}?sweepInterval=50` });
    try {
      const add = app.task('add', (a: number, b: number) => a + b);
      let failures = 0;
      const flaky = app.task(
        'flaky',
        () => {
          if (failures++ < 1) throw new Error('first attempt fails');
          return 'ok';
        },
        { retries: 2, backoff: { type: 'fixed', delay: 10 } },
      );
      app.worker({ concurrency: 8 });
      const jobs = await add.callMany(Array.from({ length: 200 }, (_, i) => [i, i]));
      const results = await Promise.all(jobs.map((j) => j.result({ timeout: 10_000 })));
      expect(results).toEqual(Array.from({ length: 200 }, (_, i) => 2 * i));
      const job = await flaky.call();
      const statuses: string[] = [];
      for await (const report of job.reports()) statuses.push(report.status);
      expect(statuses).toEqual(['queued', 'active', 'retrying', 'active', 'succeeded']);
    } finally {
      await app.close({ grace: 1000 });
    }
  });

  it('loads better-sqlite3 only when a broker connects', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const m = await import('./src/brokers/sqlite/index.ts');",
      'const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("better-sqlite3"));',
      'const before = loaded();',
      "const b = m.createSqliteBroker({ path: ':memory:' });",
      'await b.connect(); await b.close();',
      'console.log(JSON.stringify([before, loaded()]));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim())).toEqual([false, true]);
  });
});
