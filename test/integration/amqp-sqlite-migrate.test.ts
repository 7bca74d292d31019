/**
 * The AMQP SQLite result backend brings a version 1 file up to version 2
 * (`sqlite-backend/migrate.ts`): jobs get `grp` (filled from their options)
 * and `an`; the old JSON group index goes; the jobs of before still run.
 * A version 2 file gets `self_counted` and the status trigger that skips the
 * changes claim and ack count themselves (count-tally.ts): counts stay exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/brokers/amqp/backend-factory.js';
import { backendJob } from './amqp-backend-jobs.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Turns a version 3 file back into what version 2 left (no self_counted; the trigger counted every change). */
function downgradeTo2(path: string): void {
  const db = new Database(path);
  db.exec(`
    DROP TRIGGER drover_amqp_jobs_recounted;
    ALTER TABLE drover_amqp_jobs DROP COLUMN self_counted;
    CREATE TRIGGER drover_amqp_jobs_recounted AFTER UPDATE OF status ON drover_amqp_jobs
      WHEN old.status <> new.status BEGIN
      UPDATE drover_amqp_counts SET n = n - 1 WHERE ns = old.ns AND queue = old.queue AND status = old.status;
      INSERT INTO drover_amqp_counts (ns, queue, status, n) VALUES (new.ns, new.queue, new.status, 1)
        ON CONFLICT (ns, queue, status) DO UPDATE SET n = n + 1;
    END;`);
  db.close();
}

/** Turns a version 2 file back into what version 1 left (its columns, group index, and every report a row). */
function downgrade(path: string): void {
  const db = new Database(path);
  db.exec(`
    INSERT INTO drover_amqp_reports (job_id, n, status, attempt, at)
      SELECT id, an, 'active', attempt, started_at FROM drover_amqp_jobs WHERE an IS NOT NULL;
    DROP INDEX drover_amqp_jobs_group;
    ALTER TABLE drover_amqp_jobs DROP COLUMN grp;
    ALTER TABLE drover_amqp_jobs DROP COLUMN an;
    CREATE INDEX drover_amqp_jobs_group_active ON drover_amqp_jobs (ns, queue, json_extract(options, '$.group'))
      WHERE status = 'active';`);
  db.close();
}

describe('amqp sqlite backend migration', () => {
  it('open() - a version 1 file gains grp (from the options) and an; group concurrency counts its active jobs', async () => {
    const path = join(dir, 'v1.db');
    const options = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0 }, group: 'g1' };
    let backend = await createBackend(`sqlite:${path}`, 'ns', 60_000);
    await backend.open();
    await backend.insert([backendJob('a', { options }), backendJob('b', { options }), backendJob('c')]);
    const [a] = (await backend.claim([{ id: 'a', gen: 1, nonce: 'n-a', redelivered: false }], 60_000, 'w')).value;
    expect(a?.kind).toBe('claimed');
    await backend.close();
    downgrade(path);

    backend = await createBackend(`sqlite:${path}`, 'ns', 60_000);
    await backend.open();
    try {
      const db = new Database(path, { readonly: true });
      const rows = db.prepare('SELECT id, grp, an FROM drover_amqp_jobs ORDER BY id').all();
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%group%'").pluck();
      expect(rows).toEqual([
        { id: 'a', grp: 'g1', an: null },
        { id: 'b', grp: 'g1', an: null },
        { id: 'c', grp: null, an: null },
      ]);
      expect(indexes.all()).toEqual(['drover_amqp_jobs_group']);
      db.close();
      await backend.setQueueSettings('q1', { groupConcurrency: 1 });
      const held = await backend.claim([{ id: 'b', gen: 1, nonce: 'n-b', redelivered: false }], 60_000, 'w');
      expect(held.value[0]?.kind).toBe('held');
      const lease = a!.kind === 'claimed' ? a!.job : undefined;
      expect((await backend.ack({ id: 'a', token: lease!.token }, null)).value).toBe(true);
      const history = await backend.history('a', 0);
      expect(history.map((r) => `${r.n}:${r.status}`)).toEqual(['1:queued', '2:active', '3:succeeded']);
      const b = await backend.claim([{ id: 'b', gen: 1, nonce: 'n-b', redelivered: false }], 60_000, 'w');
      expect(b.value[0]?.kind).toBe('claimed');
    } finally {
      await backend.close();
    }
  });

  it('open() - a version 2 file gains self_counted; counts stay exact through claims, acks, nacks and retries', async () => {
    const path = join(dir, 'v2.db');
    let backend = await createBackend(`sqlite:${path}`, 'ns', 60_000);
    await backend.open();
    await backend.insert(['a', 'b', 'c', 'd'].map((id) => backendJob(id)));
    const claimed = (
      await backend.claim(
        ['a', 'b'].map((id) => ({ id, gen: 1, nonce: `n-${id}`, redelivered: false })),
        60_000,
        'w',
      )
    ).value.map((o) => (o.kind === 'claimed' ? o.job : undefined));
    await backend.close();
    downgradeTo2(path);

    backend = await createBackend(`sqlite:${path}`, 'ns', 60_000);
    await backend.open();
    try {
      const db = new Database(path, { readonly: true });
      const columns = (db.pragma('table_info(drover_amqp_jobs)') as { name: string }[]).map((c) => c.name);
      expect(columns).toContain('self_counted');
      db.close();
      const [a, b] = claimed;
      expect((await backend.ack({ id: 'a', token: a!.token }, null)).value).toBe(true);
      const error = { name: 'Error', message: 'boom' };
      const next = { gen: 2, nonce: 'n-b2', runAt: Date.now(), delayed: false };
      expect((await backend.nack({ id: 'b', token: b!.token }, error, next)).value).toBe(true);
      // One write with a claim and an ack, another claim of the retried job: the tally and the trigger together.
      const [c, b2] = (
        await backend.claim(
          [
            { id: 'c', gen: 1, nonce: 'n-c', redelivered: false },
            { id: 'b', gen: 2, nonce: 'n-b2', redelivered: false },
          ],
          60_000,
          'w',
        )
      ).value.map((o) => (o.kind === 'claimed' ? o.job : undefined));
      const [ackC] = await Promise.all([
        backend.ack({ id: 'c', token: c!.token }, null),
        backend.nack({ id: 'b', token: b2!.token }, error, undefined),
      ]);
      expect(ackC.value).toBe(true);
      expect(await backend.counts()).toEqual([
        { queue: 'q1', waiting: 1, active: 0, delayed: 0, succeeded: 2, failed: 1 },
      ]);
      expect(await backend.readyCount(['q1'])).toBe(1);
    } finally {
      await backend.close();
    }
  });
});
