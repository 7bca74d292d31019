/**
 * Redis behind Sentinel (docs/reliability.md S05, failover flavour): a
 * master, a replica and one Sentinel the test starts itself (free ports,
 * private directories). A worker process on `redis://<sentinel>?sentinel=…`
 * is running jobs when the master is SIGKILLed; Sentinel promotes the
 * replica, and the worker and the producer find the new master through the
 * Sentinel and go on. Every job enqueued (and replicated) before the kill
 * completes; duplicates only among those in flight at the kill.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Drover } from '../../src/index.js';
import { readLedger, waitFor } from '../integration/remote-helpers.js';
import type { BrokerWorker } from '../integration/redis-helpers.js';
import { freePort, startBrokerWorker, waitForRedis } from '../integration/redis-helpers.js';

const TASKS = join(import.meta.dirname, '../fixtures/redis-tasks.ts');
const NAME = 'drover-test-master';
const dir = mkdtempSync(join(tmpdir(), 'drover-redis-sentinel-'));
const procs: ChildProcess[] = [];
let masterPort: number;
let replicaPort: number;
let sentinelPort: number;
let master: ChildProcess;

function redisServer(args: string[]): ChildProcess {
  const proc = spawn('redis-server', args, { stdio: 'ignore' });
  procs.push(proc);
  return proc;
}

function node(port: number, extra: string[] = []): ChildProcess {
  const nodeDir = mkdtempSync(join(dir, `n${port}-`));
  return redisServer(
    ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always']
      .concat(['--save', '', '--dir', nodeDir])
      .concat(extra),
  );
}

/** The node's ROLE reply: its role first; a replica's 4th value is its link state (`connected` once synced). */
async function roleReply(port: number): Promise<unknown[]> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.call('ROLE')) as unknown[];
  } catch {
    return ['down'];
  } finally {
    client.disconnect();
  }
}

async function role(port: number): Promise<string> {
  return String((await roleReply(port))[0]);
}

beforeAll(async () => {
  [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  master = node(masterPort);
  node(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
  await waitForRedis(`redis://127.0.0.1:${masterPort}`);
  await waitForRedis(`redis://127.0.0.1:${replicaPort}`);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${NAME} 1000`,
      `sentinel failover-timeout ${NAME} 10000`,
      `sentinel parallel-syncs ${NAME} 1`,
      '',
    ].join('\n'),
  );
  redisServer([conf, '--sentinel']);
  await waitForRedis(`redis://127.0.0.1:${sentinelPort}`);
  // Attached is not enough: until its first sync is done, the replica acknowledges no write (WAIT answers 0).
  await waitFor(
    async () => {
      const reply = await roleReply(replicaPort);
      return reply[0] === 'slave' && reply[3] === 'connected';
    },
    30_000,
    'the replica to attach and sync',
  );
}, 60_000);

afterAll(async () => {
  const alive = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  await Promise.all(
    alive.map((p) => {
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGKILL');
      return exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis behind Sentinel', () => {
  it('the master is SIGKILLed mid-run: Sentinel promotes the replica, workers find it, every replicated job completes', async () => {
    const url = `redis://127.0.0.1:${sentinelPort}/0?sentinel=${NAME}&prefix=sentinel-${randomUUID().slice(0, 8)}&sweepInterval=500`;
    const ledger = join(dir, 'ledger.jsonl');
    const app = new Drover({ broker: url });
    let worker: BrokerWorker | undefined;
    try {
      const jobs = await app.callMany(
        'work',
        Array.from({ length: 120 }, () => [50]),
      );
      // Replication is asynchronous: make sure the replica has every enqueue before the master dies.
      const direct = new Redis({ port: masterPort, host: '127.0.0.1' });
      // On a loaded machine the replica may answer late: ask again (bounded) rather than fail the run.
      await waitFor(
        async () => (await direct.call('WAIT', 1, 2000)) === 1,
        20_000,
        'the replica to have every enqueue',
      );
      direct.disconnect();
      worker = startBrokerWorker(url, { tasks: TASKS, concurrency: 4, ledger, args: ['--lease-ms', '2000'] });
      await waitFor(
        () => readLedger(ledger).filter((l) => l.event === 'end').length >= 10,
        20_000,
        'the worker to get going',
      );
      const killedAt = Date.now();
      master.kill('SIGKILL');
      await waitFor(async () => (await role(replicaPort)) === 'master', 30_000, 'Sentinel to promote the replica');
      const promotedAt = Date.now();
      const results = await Promise.all(jobs.map((job) => job.result({ timeout: 60_000 })));
      expect(results).toHaveLength(120);
      const lines = readLedger(ledger);
      const ends = lines.filter((l) => l.event === 'end');
      const afterPromotion = ends.filter((l) => l.at >= promotedAt);
      expect(afterPromotion.length).toBeGreaterThan(0);
      // Resumed soon after the promotion (the first end after it, within the lease plus reconnect).
      expect(Math.min(...afterPromotion.map((l) => l.at)) - promotedAt).toBeLessThan(8_000);
      const ids = new Set(jobs.map((j) => j.id));
      expect(new Set(ends.filter((l) => ids.has(l.id)).map((l) => l.id)).size).toBe(120);
      // Duplicates only among jobs started before the kill (in flight, or acked on the old master after the last sync).
      const perJob = new Map<string, number>();
      for (const l of lines.filter((x) => x.event === 'start')) perJob.set(l.id, (perJob.get(l.id) ?? 0) + 1);
      const startedBefore = new Set(lines.filter((l) => l.event === 'start' && l.at <= killedAt).map((l) => l.id));
      for (const [id, n] of perJob) if (n > 1) expect(startedBefore.has(id)).toBe(true);
    } finally {
      if (worker && worker.proc.exitCode === null) {
        worker.proc.kill('SIGKILL');
        await worker.exit;
      }
      await app.close({ grace: 0 });
    }
  }, 120_000);
});
