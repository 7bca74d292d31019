/**
 * WalSync: a durable write resolves only after an fsync that started after
 * its commit; commits made during one fsync share the next; a failed sync
 * refuses every later write.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WalSync } from '../../../src/brokers/sqlite/wal-sync.js';
import { createSqliteBroker } from '../../../src/brokers/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-wal-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function walDatabase(): { db: Database.Database; wal: string } {
  const path = join(dir, `${randomUUID()}.db`);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v INTEGER)');
  return { db, wal: `${path}-wal` };
}

describe('WalSync', () => {
  it('resolves a wait only after an fsync that covers its commit, and shares one fsync among commits made meanwhile', async () => {
    const { db, wal } = walDatabase();
    const sync = new WalSync(wal, 'test');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    insert.run(1);
    let firstDone = false;
    const first = sync.wait(sync.committed()).then(() => (firstDone = true));
    expect(firstDone).toBe(false);
    // 20 commits while the first fsync runs: they all wait for the second one.
    const later: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      insert.run(i);
      later.push(sync.wait(sync.committed()));
    }
    await Promise.all([first, ...later]);
    expect(sync.syncs).toBeLessThanOrEqual(3);
    expect(sync.syncs).toBeGreaterThanOrEqual(2);
    // Already durable: resolves without another fsync.
    const before = sync.syncs;
    await sync.wait(1);
    expect(sync.syncs).toBe(before);
    sync.close();
    db.close();
  });

  it('close() syncs what is left, blocking, and settles every waiter', async () => {
    const { db, wal } = walDatabase();
    const sync = new WalSync(wal, 'test');
    db.prepare('INSERT INTO t (v) VALUES (1)').run();
    const waits = [sync.wait(sync.committed()), sync.wait(sync.committed())];
    sync.close();
    await expect(Promise.all(waits)).resolves.toBeDefined();
    await expect(sync.wait(sync.committed())).rejects.toThrow(/closed/);
    db.close();
  });

  it('a WAL that cannot be synced fails the waiting writes and every later one, naming the database', async () => {
    const sync = new WalSync(join(dir, 'missing', 'x.db-wal'), 'sqlite:./x.db');
    await expect(sync.wait(sync.committed())).rejects.toThrow(/sqlite:\.\/x\.db.*restart it/);
    expect(sync.failed?.code).toBe('ERR_DROVER_BROKER');
    await expect(sync.wait(sync.committed())).rejects.toThrow(/write-ahead log/);
  });
});

describe('the SQLite broker with synchronous=FULL', () => {
  it('commits with SQLite NORMAL and syncs the WAL itself: enqueues resolve once durable, leases at commit', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const broker = createSqliteBroker({ path });
    await broker.connect();
    const job = (id: string) => ({
      id,
      task: 't',
      queue: 'q',
      args: [],
      priority: 0,
      delayMs: 0,
      options: { retries: 0, backoff: { type: 'fixed' as const, delay: 1, max: 1 } },
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => broker.enqueue([job(`j${i}`)])));
    const leased = await broker.lease({ queues: ['q'], max: 50, leaseMs: 10_000, workerId: 'w' });
    expect(leased).toHaveLength(50);
    await Promise.all(leased.map((lease) => broker.ack(lease, 'ok')));
    await broker.close();
    // Reopened from the file, every acknowledged write is there.
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM drover_jobs WHERE status = 'succeeded'").pluck().get()).toBe(50);
    db.close();
  });
});
