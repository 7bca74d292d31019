/**
 * Real faults on the Redis broker (docs/reliability.md S01, S05, S09, S10),
 * with real `drover worker --broker redis://…` processes and a redis-server
 * the test starts itself (free port, private directory, `--appendonly yes
 * --appendfsync always`). A ledger the tasks append to, outside the system
 * under test, counts executions. Fast profile: lease 2 s, sweep 0.5 s.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Drover } from '../../src/index.js';
import type { LedgerLine } from '../integration/remote-helpers.js';
import { readLedger, sleep, waitFor } from '../integration/remote-helpers.js';
import type { BrokerWorker, OwnRedis } from '../integration/redis-helpers.js';
import { startBrokerWorker, startHerdServer, startOwnRedis } from '../integration/redis-helpers.js';

const TASKS = join(import.meta.dirname, '../fixtures/redis-tasks.ts');
const LEASE_MS = 2000;
let redis: OwnRedis;
let dir: string;
const workers: BrokerWorker[] = [];
const apps: Drover[] = [];

beforeAll(async () => {
  redis = await startOwnRedis();
  dir = mkdtempSync(join(tmpdir(), 'drover-redis-faults-'));
});

afterEach(async () => {
  for (const w of workers.splice(0)) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  await Promise.all(apps.splice(0).map((app) => app.close({ grace: 0 })));
});

afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh prefix, ledger and producer app for one test. */
function rig(): {
  url: string;
  ledger: string;
  app: Drover;
  worker: (concurrency?: number, leaseMs?: number) => BrokerWorker;
} {
  const url = `${redis.url}/0?prefix=faults-${randomUUID().slice(0, 8)}&sweepInterval=500`;
  const ledger = join(dir, `${randomUUID()}.jsonl`);
  const app = new Drover({ broker: url });
  apps.push(app);
  const worker = (concurrency = 20, leaseMs = LEASE_MS): BrokerWorker => {
    const w = startBrokerWorker(url, { tasks: TASKS, concurrency, ledger, args: ['--lease-ms', String(leaseMs)] });
    workers.push(w);
    return w;
  };
  return { url, ledger, app, worker };
}

const ended = (lines: LedgerLine[]): number => lines.filter((l) => l.event === 'end').length;

async function allStatuses(app: Drover, ids: readonly string[]): Promise<Map<string, string>> {
  const broker = await app.broker();
  const out = new Map<string, string>();
  for (const id of ids) out.set(id, (await broker.getJob(id))?.status ?? 'missing');
  return out;
}

/**
 * The jobs in flight on a process at the moment it was killed: started there
 * and not recorded as succeeded. A handler that had finished but whose ack was
 * still unsent (acks are batched) is in flight too: it may run again.
 * Read right after the kill, before any lease of the dead process expires.
 */
async function inFlightAt(app: Drover, lines: LedgerLine[], pid: number | undefined): Promise<Set<string>> {
  const started = [...new Set(lines.filter((l) => l.pid === pid && l.event === 'start').map((l) => l.id))];
  const statuses = await allStatuses(app, started);
  return new Set(started.filter((id) => statuses.get(id) !== 'succeeded'));
}

describe('redis broker under real faults', () => {
  it('S01: SIGKILL a worker with jobs in flight: all complete, none lost, duplicates only among those in flight', async () => {
    const { ledger, app, worker } = rig();
    const TOTAL = 3000;
    const jobs = await app.callMany(
      'work',
      Array.from({ length: TOTAL }, (_, i) => [5 + (i % 20)]),
      { retries: 5 },
    );
    const ids = jobs.map((j) => j.id);
    const victim = worker();
    worker();
    await waitFor(() => ended(readLedger(ledger)) >= 600, 60_000, '600 jobs done');
    victim.proc.kill('SIGKILL');
    await victim.exit;
    const killedAt = Date.now();
    const inFlight = await inFlightAt(app, readLedger(ledger), victim.pid);
    worker();
    await waitFor(
      async () => [...(await allStatuses(app, ids)).values()].every((s) => s === 'succeeded'),
      120_000,
      'every job to succeed',
      500,
    );
    const lines = readLedger(ledger);
    const starts = new Map<string, number>();
    for (const l of lines) if (l.event === 'start') starts.set(l.id, (starts.get(l.id) ?? 0) + 1);
    const duplicated = [...starts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(ids.every((id) => starts.has(id))).toBe(true); // lost: 0
    expect(duplicated.every((id) => inFlight.has(id))).toBe(true);
    expect(duplicated.length).toBeLessThanOrEqual(inFlight.size);
    // The dead worker's jobs ran again within lease + sweep + slack.
    const rerun = lines.filter((l) => inFlight.has(l.id) && l.event === 'start' && l.pid !== victim.pid);
    const latest = Math.max(...rerun.map((l) => l.at));
    expect(latest - killedAt).toBeLessThan(LEASE_MS + 500 + 3000);
  });

  it('S01: SIGKILL a drover server --store redis://… whose herd has jobs in flight, then restart it: none lost', async () => {
    const { url, ledger, app, worker } = rig();
    const TOTAL = 1500;
    const jobs = await app.callMany(
      'work',
      Array.from({ length: TOTAL }, (_, i) => [5 + (i % 20)]),
      { retries: 5 },
    );
    const ids = jobs.map((j) => j.id);
    const server = await startHerdServer(url, { tasks: TASKS, concurrency: 20, ledger });
    worker(10);
    await waitFor(() => ended(readLedger(ledger)) >= 400, 60_000, '400 jobs done');
    server.proc.kill('SIGKILL');
    await server.exit;
    const atKill = readLedger(ledger);
    const inFlight = await inFlightAt(app, atKill, server.pid);
    expect(atKill.some((l) => l.pid === server.pid)).toBe(true); // the server's herd did run jobs
    const restarted = await startHerdServer(url, { tasks: TASKS, concurrency: 20, ledger });
    try {
      expect((await fetch(`${restarted.url}/healthz`)).status).toBe(200);
      await waitFor(
        async () => [...(await allStatuses(app, ids)).values()].every((s) => s === 'succeeded'),
        120_000,
        'every job to succeed',
        500,
      );
      const starts = new Map<string, number>();
      for (const l of readLedger(ledger)) if (l.event === 'start') starts.set(l.id, (starts.get(l.id) ?? 0) + 1);
      const duplicated = [...starts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(ids.every((id) => starts.has(id))).toBe(true);
      expect(duplicated.every((id) => inFlight.has(id))).toBe(true);
    } finally {
      restarted.proc.kill('SIGKILL');
      await restarted.exit;
    }
  });

  it('S05: Redis killed and restarted mid-run (AOF always): workers resume within 2 s, no acknowledged job lost', async () => {
    const { ledger, app, worker } = rig();
    const acked: string[] = [];
    let producing = true;
    const producer = (async () => {
      while (producing) {
        try {
          const batch = await app.callMany(
            'work',
            Array.from({ length: 20 }, () => [5]),
            { retries: 5 },
          );
          acked.push(...batch.map((j) => j.id));
        } catch {
          await sleep(50); // not acknowledged: may or may not exist; only acknowledged jobs are checked
        }
        await sleep(10);
      }
    })();
    worker();
    worker();
    await waitFor(() => ended(readLedger(ledger)) >= 300, 60_000, '300 jobs done');
    await redis.stop(true);
    await sleep(1000);
    await redis.restart();
    const back = Date.now();
    const before = ended(readLedger(ledger));
    await waitFor(
      () => readLedger(ledger).some((l) => l.event === 'end' && l.at > back),
      10_000,
      'a job to complete after Redis came back',
    );
    const resumedAfter = Math.min(
      ...readLedger(ledger)
        .filter((l) => l.event === 'end' && l.at > back)
        .map((l) => l.at),
    );
    expect(resumedAfter - back).toBeLessThan(2000);
    await waitFor(() => ended(readLedger(ledger)) > before + 200, 30_000, 'work to go on');
    producing = false;
    await producer;
    await waitFor(
      async () => [...(await allStatuses(app, acked)).values()].every((s) => s === 'succeeded'),
      120_000,
      'every acknowledged job to succeed',
      500,
    );
  });

  it('S09: a handler that blocks the event loop past its lease: re-leased once, late completion refused', async () => {
    const { ledger, app, worker } = rig();
    const job = await app.call('block', [3000], { retries: 3 });
    const blocked = worker(1, 600);
    await waitFor(() => readLedger(ledger).some((l) => l.id === job.id && l.pid === blocked.pid), 30_000, 'the lease');
    worker(1, 10_000);
    const result = await job.result({ timeout: 30_000 });
    const snapshot = await job.status();
    expect(snapshot).toMatchObject({ status: 'succeeded', attempt: 2 });
    await waitFor(() => blocked.output().includes(job.id), 15_000, 'the blocked worker to warn');
    expect(blocked.output()).toMatch(/refused/);
    expect((await job.status()).result).toBe(result); // one recorded outcome
  });

  it('S10: poison jobs (throw, process.exit, infinite loop) end failed; the rest complete', async () => {
    const { app, worker } = rig();
    const options = { retries: 1, backoff: { type: 'fixed' as const, delay: 10 } };
    const boom = await app.call('boom', [], options);
    const die = await app.call('die', [], options);
    const spin = await app.call('spin', [], options);
    const good = await app.callMany(
      'work',
      Array.from({ length: 50 }, () => [5]),
      options,
    );
    // A small supervisor: a worker that exited is replaced (a spinning one stays hung).
    const live = new Set<BrokerWorker>();
    let supervising = true;
    const spawnOne = (): void => {
      // One job per worker: a job that kills its process never takes a sibling attempt with it.
      const w = worker(1, 1000);
      live.add(w);
      void w.exit.then(() => {
        live.delete(w);
        if (supervising) spawnOne();
      });
    };
    for (let i = 0; i < 4; i++) spawnOne();
    try {
      for (const job of [boom, die, spin]) {
        await waitFor(async () => (await job.status()).status === 'failed', 60_000, `${job.id} to fail`);
        expect((await job.status()).attempt).toBe(2);
      }
      expect((await boom.status()).error?.message).toMatch(/boom/);
      expect((await die.status()).error?.code).toBe('ERR_DROVER_LEASE_EXPIRED');
      expect((await spin.status()).error?.code).toBe('ERR_DROVER_LEASE_EXPIRED');
      for (const job of good) expect(await job.result({ timeout: 60_000 })).toEqual(expect.any(Number));
    } finally {
      supervising = false;
    }
  });
});
