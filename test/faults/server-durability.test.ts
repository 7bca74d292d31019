/**
 * Durability and shutdown of the real server on SQLite: SIGKILL at random
 * points with restarts (docs/reliability.md S03, S04), and graceful SIGTERM/SIGINT
 * (S22). A ledger written by the task itself (outside the system under
 * test) counts executions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../integration/server-harness.js';
import { eventually, http, startServer, stopAll, stopServer, tempDir, uniq } from '../integration/server-harness.js';

afterAll(async () => {
  await stopAll();
});

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

async function statusOf(server: ServerProcess, id: string): Promise<string> {
  return (await http(server, 'GET', `/v1/jobs/${id}`)).body.status as string;
}

describe('durability on sqlite: (S03, S04)', () => {
  it('SIGKILL the server 3 times at random points while 1,000 jobs are enqueued and run: every acknowledged job succeeds once', async () => {
    const dir = tempDir();
    const db = join(dir, 'drover.db');
    const ledger = join(dir, 'ledger.txt');
    const start = async (): Promise<ServerProcess> => {
      const began = Date.now();
      const s = await startServer({
        db,
        concurrency: 16,
        env: { DROVER_TEST_LEDGER: ledger },
        args: ['--lease-ms', '2000'],
      });
      expect(Date.now() - began, 'healthy within 5 s of a restart').toBeLessThan(5000);
      return s;
    };
    let server = await start();
    const TOTAL = 1000;
    const BATCH = 50;
    const acked = new Set<string>();
    let produced = 0;
    const run = uniq('dur');

    // The producer keeps going across kills: a batch counts only once the server answered 201.
    // Tags are unique per POST attempt: a batch committed just before a kill and sent again is other jobs, not re-runs.
    let attempt = 0;
    const producer = (async () => {
      while (produced < TOTAL) {
        attempt++;
        const jobs = Array.from({ length: BATCH }, (_, i) => ({
          task: 'work',
          args: [`${run}-${produced + i}-${attempt}`, 20],
          options: { retries: 10, backoff: { type: 'fixed', delay: 50 } },
        }));
        try {
          const res = await http(server, 'POST', '/v1/jobs', { body: jobs });
          if (res.status !== 201) throw new Error(`status ${res.status}`);
          for (const job of res.body as { id: string }[]) acked.add(job.id);
          produced += BATCH;
        } catch {
          await sleep(20); // the server is down or restarting; try the same batch again
        }
      }
    })();

    // Kill points: mid-enqueue, then twice mid-processing (by the ledger's count of finished executions).
    const finished = (): number =>
      existsSync(ledger)
        ? readFileSync(ledger, 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('E ')).length
        : 0;
    const killPoints: (() => boolean)[] = [
      (
        (at) => () =>
          produced >= at
      )(between(200, 700)),
      (
        (at) => () =>
          finished() >= at
      )(between(250, 550)),
      (
        (at) => () =>
          finished() >= at
      )(between(650, 900)),
    ];
    for (const reached of killPoints) {
      while (!reached()) await sleep(5);
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      server = await start();
    }
    await producer;
    expect(acked.size).toBe(TOTAL);

    // Every acknowledged job ends succeeded.
    await eventually(
      async () => {
        const res = await http(server, 'GET', '/v1/jobs?status=succeeded&limit=1000&queue=work');
        const done = new Set<string>();
        let page = res.body as { jobs: { id: string }[]; next: string | null };
        for (;;) {
          for (const job of page.jobs) done.add(job.id);
          if (!page.next) break;
          page = (
            await http(
              server,
              'GET',
              `/v1/jobs?status=succeeded&limit=1000&queue=work&cursor=${encodeURIComponent(page.next)}`,
            )
          ).body;
        }
        return [...acked].every((id) => done.has(id));
      },
      40_000,
      250,
    );
    const failed = await http(server, 'GET', '/v1/jobs?status=failed&limit=1000&queue=work');
    expect(failed.body.jobs.filter((j: { id: string }) => acked.has(j.id))).toEqual([]);
    expect(await stopServer(server)).toBe(0);

    // The ledger: every job ran at least once; re-runs only for jobs caught in flight by a kill (16 per kill at most).
    const starts = readFileSync(ledger, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('S '));
    const runs = new Map<string, number>();
    for (const line of starts) runs.set(line.split(' ')[1]!, (runs.get(line.split(' ')[1]!) ?? 0) + 1);
    const duplicated = [...runs.values()].filter((n) => n > 1).length;
    expect(duplicated).toBeLessThanOrEqual(3 * 16);

    // The database is sound and holds one recorded outcome per job.
    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      const outcomes = sqlite
        .prepare(
          "SELECT job_id AS id, count(*) AS n FROM drover_reports WHERE status IN ('succeeded', 'failed', 'cancelled') GROUP BY job_id",
        )
        .all() as { id: string; n: number }[];
      const byId = new Map(outcomes.map((o) => [o.id, o.n]));
      for (const id of acked) expect(byId.get(id), `outcomes of ${id}`).toBe(1);
    } finally {
      sqlite.close();
    }
  }, 90_000);
});

describe('graceful shutdown (S22)', () => {
  it('SIGTERM - new requests get 503, running jobs finish within the grace, the store closes, exit 0', async () => {
    const db = join(tempDir(), 'drover.db');
    const server = await startServer({ db, concurrency: 4, args: ['--grace', '5000'] });
    const res = await http(server, 'POST', '/v1/jobs', {
      body: Array.from({ length: 4 }, () => ({ task: 'sleepy', args: [1200, uniq()] })),
    });
    const ids = (res.body as { id: string }[]).map((j) => j.id);
    await eventually(async () =>
      (await Promise.all(ids.map((id) => statusOf(server, id)))).every((s) => s === 'active'),
    );
    const stopped = Date.now();
    server.child.kill('SIGTERM');
    await sleep(100);
    const during = await http(server, 'GET', '/healthz');
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('closing');
    expect(await server.exited).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(5000 + 1000);
    const again = await startServer({ db });
    for (const id of ids) expect(await statusOf(again, id)).toBe('succeeded');
  });

  it('SIGINT - jobs still running when the grace ends are handed back (not failed) and run after a restart', async () => {
    const db = join(tempDir(), 'drover.db');
    const server = await startServer({ db, concurrency: 2, args: ['--grace', '200'] });
    const res = await http(server, 'POST', '/v1/jobs', {
      body: [0, 1].map(() => ({ task: 'sleepy', args: [1500, uniq()], options: { retries: 0 } })),
    });
    const ids = (res.body as { id: string }[]).map((j) => j.id);
    await eventually(async () =>
      (await Promise.all(ids.map((id) => statusOf(server, id)))).every((s) => s === 'active'),
    );
    const stopped = Date.now();
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(200 + 1000);
    const again = await startServer({ db, concurrency: 2 });
    for (const id of ids) expect(await statusOf(again, id)).not.toBe('failed');
    for (const id of ids) {
      const done = await http(again, 'GET', `/v1/jobs/${id}/result?timeout=15000`);
      expect(done.body.status).toBe('succeeded');
    }
  });
});
