/**
 * S01 and S10 on RabbitMQ: `drover worker --broker amqp://…` processes are
 * SIGKILLed with jobs in flight, and poison jobs (one that throws, one that
 * kills its own worker) are mixed in. A ledger written by the task itself
 * (outside the system under test) counts executions. Shared RabbitMQ, unique
 * prefix; once with a SQLite result backend in a temporary folder, once with
 * the shared Redis as backend (a unique prefix, deleted afterwards).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAmqpBroker } from '../../src/brokers/amqp/index.js';
import { Drover } from '../../src/index.js';
import { AMQP_URL, deletePrefixed } from '../conformance/amqp-cleanup.js';
import { deletePrefix, redisUrl } from '../integration/redis-helpers.js';
import type { WorkerProcess } from './amqp-harness.js';
import { readLedger, sleep, startWorker } from './amqp-harness.js';

const run = `drover-kill-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-kill-'));
const workers: WorkerProcess[] = [];

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  for (const kind of ['sqlite', 'redis']) await deletePrefixed(`${run}-${kind}`, ['work', 'boom', 'exiter']);
  await deletePrefix(redisUrl, `${run}-state`);
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['sqlite', () => `sqlite:${join(dir, 'state.db')}`],
  ['redis', () => `${redisUrl}/0?prefix=${run}-state`],
])('amqp worker crashes (S01, S10), %s backend', (kind, made) => {
  it('SIGKILL two of three workers mid-run: every job completes, duplicates only among those in flight; poison jobs end failed', async () => {
    const prefix = `${run}-${kind}`;
    const backend = made();
    const ledger = join(dir, `ledger-${kind}.txt`);
    const url = `${AMQP_URL}?prefix=${prefix}&backend=${encodeURIComponent(backend)}&sweepInterval=300`;
    const broker = createAmqpBroker({ url: AMQP_URL, prefix, backend, sweepInterval: 300 });
    const app = new Drover({ broker });
    const TOTAL = 1500;

    // Jobs first (the queue is deep when the workers start), then the workers.
    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i += 500) {
      const jobs = await app.callMany(
        'work',
        Array.from({ length: 500 }, (_, k): [string, number] => [`t${i + k}`, 15]),
      );
      ids.push(...jobs.map((j) => j.id));
    }
    const thrower = await app.call('boom', ['poison'], { retries: 2, backoff: { type: 'fixed', delay: 50 } });
    const killer = await app.call('exiter', ['x'], { retries: 1, backoff: { type: 'fixed', delay: 50 } });

    // Keep three workers alive: any that dies (SIGKILL, or the exiter) is replaced.
    let stopping = false;
    const spawnOne = (): void => {
      const w = startWorker(url, ledger);
      workers.push(w);
      void w.exited.then(() => {
        if (!stopping) spawnOne();
      });
    };
    for (let i = 0; i < 3; i++) spawnOne();

    const ended = (): number =>
      new Set(
        readLedger(ledger)
          .filter((l) => l.kind === 'E')
          .map((l) => l.tag),
      ).size;
    for (const at of [300, 800]) {
      while (ended() < at) await sleep(20);
      const victim = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
    }

    const deadline = Date.now() + 120_000;
    for (;;) {
      const counts = (await broker.counts()).find((c) => c.queue === 'work');
      if (counts?.succeeded === TOTAL) break;
      if (Date.now() > deadline) throw new Error(`not all done: ${JSON.stringify(counts)}`);
      await sleep(200);
    }
    for (const id of ids) expect((await broker.getJob(id))?.status).toBe('succeeded');

    // Lost: 0. Duplicated executions only among jobs in flight in a worker that died (SIGKILL, or the
    // exiter's exit): started there and not finished, or finished there with the outcome not yet committed
    // (a herd of 16 has at most 16 running and 16 outcomes on their way).
    const dead = workers.filter(
      (w) => w.child.exitCode !== 0 && (w.child.exitCode !== null || w.child.signalCode !== null),
    );
    const deadPids = new Set(dead.map((w) => w.child.pid!));
    const ranOnDead = new Set(
      readLedger(ledger)
        .filter((l) => l.kind === 'S' && deadPids.has(l.pid))
        .map((l) => l.tag),
    );
    const starts = new Map<string, number>();
    for (const { kind, tag } of readLedger(ledger)) if (kind === 'S') starts.set(tag, (starts.get(tag) ?? 0) + 1);
    expect(starts.size).toBe(TOTAL);
    const duplicated = [...starts].filter(([, n]) => n > 1).map(([tag]) => tag);
    expect(duplicated.length).toBeLessThanOrEqual(32 * dead.length);
    const explain = async (tag: string): Promise<string> => {
      const lines = readLedger(ledger).filter((l) => l.tag === tag);
      const id = ids[Number(tag.slice(1))]!;
      const watch = await broker.watch(id, () => {});
      watch?.stop();
      const exits = workers.map((w) => `${w.child.pid}:${String(w.child.exitCode ?? w.child.signalCode)}`);
      return JSON.stringify({ lines, history: watch?.history, exits });
    };
    for (const tag of duplicated) expect(ranOnDead.has(tag), await explain(tag)).toBe(true);

    // Poison: failed after their attempts, with the last error.
    const waitFailed = async (id: string): Promise<void> => {
      const until = Date.now() + 60_000;
      while ((await broker.getJob(id))?.status !== 'failed') {
        if (Date.now() > until) throw new Error(`${id} did not fail: ${JSON.stringify(await broker.getJob(id))}`);
        await sleep(200);
      }
    };
    await waitFailed(thrower.id);
    await waitFailed(killer.id);
    expect(await broker.getJob(thrower.id)).toMatchObject({ attempt: 3, error: { message: 'poison' } });
    expect(await broker.getJob(killer.id)).toMatchObject({ attempt: 2, error: { code: 'ERR_DROVER_LEASE_EXPIRED' } });

    stopping = true;
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await app.close();
    await broker.close();
  });
});
