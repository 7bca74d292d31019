/**
 * S06 on RabbitMQ: a PRIVATE node (started by this test: own node name,
 * ports and data folder; the shared node is never touched) is restarted
 * mid-run while a producer enqueues and two `drover worker --broker amqp://…`
 * processes work. No confirmed job is lost, the workers reconnect and finish
 * the rest without crashing, and duplicates stay among the jobs in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAmqpBroker } from '../../src/brokers/amqp/index.js';
import { Drover } from '../../src/index.js';
import type { WorkerProcess } from './amqp-harness.js';
import { PrivateRabbit, readLedger, sleep, startWorker } from './amqp-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-restart-'));
const rabbit = new PrivateRabbit(join(dir, 'rabbit'));
const workers: WorkerProcess[] = [];

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await rabbit.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('amqp: RabbitMQ restarts (S06)', () => {
  it('a restart of the node mid-run loses no confirmed job; workers resume', async () => {
    await rabbit.start();
    const backend = `sqlite:${join(dir, 'state.db')}`;
    const ledger = join(dir, 'ledger.txt');
    const options = 'prefix=s06&sweepInterval=300&reconnectMinMs=250&reconnectMaxMs=2000&publishTimeout=2000';
    const url = `${rabbit.url}?${options}&backend=${encodeURIComponent(backend)}`;
    const broker = createAmqpBroker({
      url: rabbit.url,
      prefix: 's06',
      backend,
      sweepInterval: 300,
      reconnectMinMs: 250,
      reconnectMaxMs: 2000,
      publishTimeout: 2000,
    });
    const app = new Drover({ broker });
    app.on('error', () => {}); // the producer's own reconnect noise
    for (let i = 0; i < 2; i++) workers.push(startWorker(url, ledger));

    const TOTAL = 1000;
    const confirmed: string[] = [];
    let produced = 0;
    let attempt = 0;
    const producer = (async () => {
      while (produced < TOTAL) {
        attempt++;
        try {
          const jobs = await app.callMany(
            'work',
            Array.from({ length: 50 }, (_, k): [string, number] => [`b${attempt}-${k}`, 10]),
          );
          confirmed.push(...jobs.map((j) => j.id));
          produced += 50;
        } catch {
          await sleep(100); // RabbitMQ is down: this batch was not confirmed, try another
        }
        await sleep(20);
      }
    })();

    const ended = (): number => readLedger(ledger).filter((l) => l.kind === 'E').length;
    // Both workers must be connected and running jobs first: `drover worker` exits when its first
    // connect fails, and a worker that starts slowly (a loaded machine) would meet the outage there.
    const working = (): number => new Set(readLedger(ledger).map((l) => l.pid)).size;
    while (ended() < 250 || working() < workers.length) await sleep(20);
    await rabbit.stop();
    await sleep(1500);
    await rabbit.start();
    await producer;

    const deadline = Date.now() + 120_000;
    for (;;) {
      const done = (await broker.counts()).find((c) => c.queue === 'work')?.succeeded ?? 0;
      if (done >= confirmed.length) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${confirmed.length} confirmed jobs done`);
      await sleep(250);
    }
    for (const id of confirmed) expect((await broker.getJob(id))?.status, id).toBe('succeeded');
    // The workers lived through it (no crash on acks for dead channels) and stop cleanly.
    for (const w of workers) expect(w.child.exitCode, w.log()).toBeNull();
    const starts = new Map<string, number>();
    for (const { kind, tag } of readLedger(ledger)) if (kind === 'S') starts.set(tag, (starts.get(tag) ?? 0) + 1);
    const duplicated = [...starts.values()].filter((n) => n > 1).length;
    expect(duplicated, 'duplicates at most the two herds in flight').toBeLessThanOrEqual(2 * 16);
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    await app.close();
    await broker.close();
  });
});
