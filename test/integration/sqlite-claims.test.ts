/**
 * docs/reliability.md S03/S04 on the SQLite broker, with real processes:
 * 8 concurrent claimers on one file never lease a job twice, and a worker
 * SIGKILLed mid-run loses nothing acknowledged.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { EnqueueRequest } from '../../src/brokers/contract.js';
import { createSqliteBroker } from '../../src/brokers/sqlite/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/sqlite-worker.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'drover-sqlite-claims-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Ledger {
  ready: boolean;
  leases: { id: string; token: string; attempt: number; pid: number }[];
  acks: { id: string; pid: number }[];
}

function readLedger(path: string): Ledger {
  const ledger: Ledger = { ready: false, leases: [], acks: [] };
  if (!existsSync(path)) return ledger;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [kind, id, a, b, c] = line.split(' ');
    if (kind === 'R') ledger.ready = true;
    else if (kind === 'L') ledger.leases.push({ id: id!, token: a!, attempt: Number(b), pid: Number(c) });
    else if (kind === 'A') ledger.acks.push({ id: id!, pid: Number(a) });
  }
  return ledger;
}

function startWorker(
  db: string,
  ledger: string,
  queue: string,
  leaseMs: number,
  batch: number,
  maxWorkMs: number,
  goFile?: string,
): ChildProcess {
  const args = [
    fixture,
    db,
    ledger,
    queue,
    String(leaseMs),
    String(batch),
    String(maxWorkMs),
    ...(goFile === undefined ? [] : [goFile]),
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitUntil(check: () => boolean, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function seed(db: string, queue: string, count: number): Promise<string[]> {
  const broker = createSqliteBroker({ path: db });
  const requests: EnqueueRequest[] = Array.from({ length: count }, (_, i) => ({
    id: `job-${i}-${randomUUID().slice(0, 8)}`,
    task: 'work',
    queue,
    args: [i],
    priority: 0,
    delayMs: 0,
    options: { retries: 5, backoff: { type: 'fixed', delay: 10, max: 10 } },
  }));
  await broker.enqueue(requests);
  await broker.close();
  return requests.map((r) => r.id);
}

function inspect(db: string): {
  integrity: string;
  statuses: Map<string, string>;
  succeededReports: Map<string, number>;
} {
  const conn = new Database(db, { readonly: true });
  try {
    const integrity = conn.pragma('integrity_check', { simple: true }) as string;
    const statuses = new Map(
      (conn.prepare('SELECT id, status FROM drover_jobs').all() as { id: string; status: string }[]).map((r) => [
        r.id,
        r.status,
      ]),
    );
    const rows = conn
      .prepare("SELECT job_id, count(*) AS n FROM drover_reports WHERE status = 'succeeded' GROUP BY job_id")
      .all() as { job_id: string; n: number }[];
    return { integrity, statuses, succeededReports: new Map(rows.map((r) => [r.job_id, r.n])) };
  } finally {
    conn.close();
  }
}

describe('sqlite broker across processes', () => {
  it('8 concurrent processes lease 2,000 jobs from one file: none leased twice, all acked', async () => {
    const db = join(dir, 'claims.db');
    const queue = `q-${randomUUID()}`;
    const ids = await seed(db, queue, 2000);
    const ledgers = Array.from({ length: 8 }, (_, i) => join(dir, `claims-${i}.ledger`));
    const go = join(dir, 'claims.go');
    const workers = ledgers.map((ledger) => startWorker(db, ledger, queue, 60_000, 10, 1, go));
    // Release all eight at once, so their claims really contend.
    await waitUntil(() => ledgers.every((l) => readLedger(l).ready) || workers.some((w) => w.exitCode !== null));
    writeFileSync(go, '');
    const codes = await Promise.all(workers.map(exited));
    expect(codes).toEqual(Array(8).fill(0));

    const all = ledgers.map(readLedger);
    const leases = all.flatMap((l) => l.leases);
    const perJob = new Map<string, number>();
    for (const lease of leases) perJob.set(lease.id, (perJob.get(lease.id) ?? 0) + 1);
    const twice = [...perJob].filter(([, n]) => n > 1);
    expect(twice, 'jobs leased more than once').toEqual([]);
    expect(perJob.size).toBe(2000);
    expect(new Set(all.flatMap((l) => l.acks.map((a) => a.id)))).toEqual(new Set(ids));
    // The work was really shared.
    expect(all.filter((l) => l.leases.length > 0).length).toBeGreaterThanOrEqual(3);

    const { integrity, statuses, succeededReports } = inspect(db);
    expect(integrity).toBe('ok');
    expect([...statuses.values()].every((s) => s === 'succeeded')).toBe(true);
    expect([...succeededReports.values()].every((n) => n === 1)).toBe(true);
    expect(succeededReports.size).toBe(2000);
  }, 120_000);

  it('a worker SIGKILLed mid-run loses nothing: a second worker finishes, one recorded outcome per job', async () => {
    const db = join(dir, 'durability.db');
    const queue = `q-${randomUUID()}`;
    const ids = await seed(db, queue, 1000);
    const firstLedger = join(dir, 'durability-1.ledger');
    const secondLedger = join(dir, 'durability-2.ledger');

    const first = startWorker(db, firstLedger, queue, 1000, 20, 3);
    const killAfter = 100 + Math.floor(Math.random() * 600);
    await waitUntil(() => readLedger(firstLedger).acks.length >= killAfter || first.exitCode !== null);
    expect(first.exitCode, 'the first worker exited before it was killed').toBeNull();
    first.kill('SIGKILL');
    await exited(first);
    const before = readLedger(firstLedger);
    const inFlight = new Set(before.leases.map((l) => l.id));
    for (const ack of before.acks) inFlight.delete(ack.id);

    const second = startWorker(db, secondLedger, queue, 1000, 20, 0);
    expect(await exited(second)).toBe(0);
    const after = readLedger(secondLedger);

    const { integrity, statuses, succeededReports } = inspect(db);
    expect(integrity).toBe('ok');
    expect(statuses.size).toBe(1000);
    const notSucceeded = ids.filter((id) => statuses.get(id) !== 'succeeded');
    expect(notSucceeded, 'jobs lost').toEqual([]);
    expect(ids.every((id) => succeededReports.get(id) === 1)).toBe(true);
    // Jobs whose ack the first worker saw committed are never run again.
    const confirmed = new Set(before.acks.map((a) => a.id));
    expect(after.leases.filter((l) => confirmed.has(l.id))).toEqual([]);
    // Only the jobs in flight at the kill ran twice, each counted as a further attempt.
    const rerun = after.leases.filter((l) => before.leases.some((b) => b.id === l.id));
    expect(rerun.length).toBeLessThanOrEqual(inFlight.size);
    expect(rerun.every((l) => l.attempt >= 2)).toBe(true);
  }, 120_000);
});
