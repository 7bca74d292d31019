/**
 * `drover server --store redis://…` scaled out: two server instances on one
 * Redis (one prefix), a remote worker connected to instance A, and a
 * `drover worker --broker redis://…` straight on Redis. What is asked of
 * instance B — a long-poll result, an SSE stream, /v1/queues, a cancel —
 * reaches jobs and workers of instance A. Uses the shared Redis with a
 * unique prefix, deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerChild } from './remote-helpers.js';
import { SECRET, TASKS, killAll, readLedger, sleep, startServer, startWorker, waitFor } from './remote-helpers.js';
import { deletePrefix, redisUrl, startBrokerWorker } from './redis-helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const prefix = `drover-servers-${randomUUID()}`;
const store = `${redisUrl}/0?prefix=${prefix}&sweepInterval=200`;
const dir = mkdtempSync(join(tmpdir(), 'drover-redis-servers-'));
const ledger = join(dir, 'ledger.jsonl');
let a: ServerChild;
let b: ServerChild;

beforeAll(async () => {
  [a, b] = await Promise.all([startServer({ store }), startServer({ store })]);
  startWorker(a.port, { ledger, concurrency: 4 });
  await waitFor(async () => (await a.api.workers()).length === 1, 20_000, 'the remote worker on A');
});

afterAll(async () => {
  killAll();
  await sleep(100);
  await deletePrefix(redisUrl, prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('two drover servers on one Redis', () => {
  it('GET /v1/jobs/:id/result on B long-polls a job enqueued on B and run by a worker of A', async () => {
    const id = (await b.api.enqueue([{ task: 'work', args: [300] }]))[0]!;
    const started = Date.now();
    const answer = await b.api.request<{ status: string; result: unknown }>(
      'GET',
      `/v1/jobs/${id}/result?timeout=10000`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(readLedger(ledger).some((l) => l.id === id && l.event === 'end')).toBe(true);
  });

  it('GET /v1/jobs/:id/events on B streams the reports of a job enqueued on A', async () => {
    const id = (await a.api.enqueue([{ task: 'steps', args: [3], options: { delay: 300 } }]))[0]!;
    const response = await fetch(`${b.api.base}/v1/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const statuses = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(statuses[0]).toBe('queued');
    // The server keeps only the latest of a burst of progress frames (S08), so at least one arrives.
    expect(statuses.filter((s) => s === 'progress').length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toBe('succeeded');
  });

  it('GET /v1/queues on B counts jobs enqueued on A', async () => {
    await a.api.enqueue([{ task: 'add', args: [1, 2], options: { queue: 'counted', delay: 60_000 } }]);
    await waitFor(async () => (await b.api.queue('counted')).delayed === 1, 5_000, 'B to count the delayed job');
  });

  it('DELETE /v1/jobs/:id on B aborts the job a worker connected to A is running', async () => {
    const id = (await a.api.enqueue([{ task: 'work', args: [20_000] }]))[0]!;
    await waitFor(() => readLedger(ledger).some((l) => l.id === id && l.event === 'start'), 10_000, 'the job to start');
    const cancelled = await b.api.request<{ wasRunning: boolean }>('DELETE', `/v1/jobs/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.wasRunning).toBe(true);
    expect((await a.api.job(id)).status).toBe('cancelled');
    // The worker's handler was aborted: its slot frees up and it never reports the end of the job.
    const [next] = await b.api.enqueue([{ task: 'add', args: [2, 3] }]);
    const answer = await b.api.request<{ result: unknown }>('GET', `/v1/jobs/${next!}/result?timeout=10000`);
    expect(answer.body.result).toBe(5);
    await sleep(200);
    expect(readLedger(ledger).some((l) => l.id === id && l.event === 'end')).toBe(false);
  });

  it('GET /v1/workers on B lists the remote worker connected to A, and the herd of a drover worker on the broker', async () => {
    interface Workers {
      workers: { name: string; instance: string }[];
      herds: { name: string; instance: string; concurrency: number }[];
    }
    const onA = (await a.api.request<Workers>('GET', '/v1/workers')).body.workers;
    expect(onA).toHaveLength(1);
    await waitFor(
      async () => (await b.api.request<Workers>('GET', '/v1/workers')).body.workers.length === 1,
      10_000,
      'B to list the worker connected to A',
    );
    const onB = (await b.api.request<Workers>('GET', '/v1/workers')).body.workers;
    expect(onB[0]!.name).toBe(onA[0]!.name);
    expect(onB[0]!.instance).toBe(onA[0]!.instance);
    const worker = startBrokerWorker(store, { tasks: TASKS, concurrency: 3, ledger, args: ['--name', 'direct-herd'] });
    try {
      await waitFor(
        async () =>
          (await b.api.request<Workers>('GET', '/v1/workers')).body.herds.some((h) => h.name === 'direct-herd'),
        15_000,
        'B to list the direct worker’s herd',
      );
      const herd = (await a.api.request<Workers>('GET', '/v1/workers')).body.herds.find(
        (h) => h.name === 'direct-herd',
      );
      expect(herd?.concurrency).toBe(3);
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exit;
    }
    // A stopped worker withdraws its entry: it is gone at the next listing, not after the expiry.
    await waitFor(
      async () =>
        !(await b.api.request<Workers>('GET', '/v1/workers')).body.herds.some((h) => h.name === 'direct-herd'),
      10_000,
      'the stopped worker to drop out',
    );
  });

  it('drover worker --broker redis://… runs jobs enqueued through a server', async () => {
    const worker = startBrokerWorker(store, { tasks: TASKS, concurrency: 2, ledger, args: ['--log-level', 'info'] });
    try {
      await waitFor(() => worker.output().includes('worker started'), 15_000, 'the direct worker to start');
      const ids = await a.api.enqueue(Array.from({ length: 30 }, () => ({ task: 'work', args: [100] })));
      for (const id of ids) {
        const answer = await b.api.request<{ status: string }>('GET', `/v1/jobs/${id}/result?timeout=10000`);
        expect(answer.body.status).toBe('succeeded');
      }
      // The remote worker of A took some; the direct worker (its own pid in the ledger) took others.
      const mine = readLedger(ledger).filter((l) => ids.includes(l.id) && l.event === 'end' && l.pid === worker.pid);
      expect(mine.length).toBeGreaterThan(0);
    } finally {
      worker.proc.kill('SIGKILL');
      await worker.exit;
    }
  });
});
