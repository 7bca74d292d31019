/**
 * A real server restart under connected workers (docs/reliability.md S03/S07 for
 * remote workers, S13 in small): workers reconnect with exponential backoff
 * and full jitter, resume, and every acknowledged job completes; many
 * reconnecting clients come back spread out, not in one burst.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { RemoteConnection } from '../../src/remote/index.js';
import type { LedgerLine } from './remote-helpers.js';
import { SECRET, freePort, killAll, readLedger, sleep, startServer, startWorker, waitFor } from './remote-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-remote-restart-'));

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('server restart under remote workers', () => {
  it('SIGKILL the server mid-run, restart it: workers come back and every job completes once', async () => {
    const port = await freePort();
    const store = `sqlite:${join(dir, 'restart.db')}`;
    const ledger = join(dir, 'restart.ledger');
    let server = await startServer({ store, port });
    const workers = [startWorker(port, { concurrency: 5, ledger }), startWorker(port, { concurrency: 5, ledger })];
    await waitFor(async () => (await server.api.workers()).length === 2, 10_000, 'two workers');
    const ids = await server.api.enqueue(Array.from({ length: 300 }, () => ({ task: 'work', args: [20] })));
    await waitFor(() => readLedger(ledger).filter((l) => l.event === 'end').length >= 60, 10_000, 'some progress');
    server.proc.kill('SIGKILL');
    await server.exit;
    await sleep(1000);
    server = await startServer({ store, port });
    const back = Date.now();
    await waitFor(async () => (await server.api.workers()).length === 2, 7000, 'both workers to reconnect');
    expect(Date.now() - back).toBeLessThan(6000); // backoff cap (5 s) + 1 s
    await waitFor(async () => (await server.api.queue('work')).succeeded >= ids.length, 30_000, 'every job to succeed');
    expect(await server.api.queue('work')).toMatchObject({ succeeded: ids.length, failed: 0, active: 0 });
    const lines: LedgerLine[] = readLedger(ledger);
    for (const id of ids) {
      const job = await server.api.job(id);
      expect(
        lines.some((l) => l.id === id && l.event === 'end' && l.pid === job.result && l.attempt === job.attempt),
        `job ${id}`,
      ).toBe(true);
    }
    for (const w of workers) w.proc.kill('SIGTERM');
    for (const w of workers) expect(await w.exit).toBe(0);
  }, 60_000);

  it('300 reconnecting clients spread out by jitter (no 100 ms bucket over 10 %), all back within the cap', async () => {
    const port = await freePort();
    let server = await startServer({ port });
    const logger = pino({ level: 'silent' });
    const readyAt: number[][] = [];
    const clients = Array.from({ length: 300 }, (_, i) => {
      readyAt[i] = [];
      const connection = new RemoteConnection(
        {
          endpoint: `ws://127.0.0.1:${port}/v1/workers/ws`,
          secret: SECRET,
          name: `c${i}`,
          queues: ['nothing'],
          concurrency: () => 0,
          logger,
          backoff: { minMs: 250, maxMs: 5000 },
        },
        {
          job: () => undefined,
          cancel: () => undefined,
          refused: () => undefined,
          lost: () => undefined,
          failed: () => undefined,
          ready: () => readyAt[i]!.push(Date.now()),
        },
      );
      connection.start();
      return connection;
    });
    await waitFor(() => readyAt.every((r) => r.length === 1), 15_000, 'every client to connect');
    server.proc.kill('SIGKILL');
    await server.exit;
    await sleep(3500); // a realistic outage: clients are a few backoff steps in
    server = await startServer({ port });
    const back = Date.now();
    await waitFor(() => readyAt.every((r) => r.length === 2), 12_000, 'every client to reconnect');
    const times = readyAt.map((r) => r[1]! - back);
    const buckets = new Map<number, number>();
    for (const t of times) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
    expect(Math.max(...buckets.values()) / times.length).toBeLessThanOrEqual(0.1);
    expect(Math.max(...times)).toBeLessThan(5000 + 5000);
    await Promise.all(clients.map((c) => c.close()));
  }, 60_000);
});
