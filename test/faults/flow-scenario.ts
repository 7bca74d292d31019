/**
 * The flow fault scenario (S31), for any broker URL a `drover worker` takes:
 * three real worker processes, one of them SIGKILLed every second (and
 * replaced). 200 chains of 5 steps, 50 chords of 10 members, and 20 chains
 * whose third step fails on purpose. A worker takes seconds to start on a
 * busy machine, so each second the scenario kills one that is ready (has
 * said "worker started"), if at least two are, and starts a replacement at
 * once. A ledger the tasks append to (outside the system under test)
 * records every attempt's start and end. Checked: every flow ends (the
 * healthy ones succeeded with the right result, the others failed naming
 * their step); no step of a failed flow ran after its failure, and the steps
 * after the failing one never ran; a callback (or any step) ran more than
 * once only where an earlier run was in a process killed before it ended.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { Broker, JobSnapshot } from '../../src/brokers/contract.js';
import { Drover, chain, chord, task } from '../../src/index.js';
import type { LedgerLine } from '../integration/remote-helpers.js';
import { readLedger, sleep } from '../integration/remote-helpers.js';
import type { BrokerWorker } from '../integration/redis-helpers.js';
import { startBrokerWorker } from '../integration/redis-helpers.js';

const TASKS = join(import.meta.dirname, '../fixtures/flow-tasks.ts');
const CHAINS = Number(process.env.FLOW_CHAINS ?? 200);
const CHORDS = 50;
const FAILING = 20;
const WORKERS = 3;
const DEADLINE_MS = Number(process.env.FLOW_DEADLINE ?? 75_000);

const workers = new Set<BrokerWorker>();
afterAll(() => {
  for (const w of workers) w.proc.kill('SIGKILL');
});

// The producer's definitions: same names as the workers' tasks, no function needed here.
const noop = (): never => {
  throw new Error('runs in the worker processes');
};
const step = task('step', noop as (x: number, y: number) => number);
const total = task('total', noop as (xs: number[]) => number);
const bust = task('bust', noop as (x: number) => number);

/** Runs the scenario against `url`; the ledger goes to `dir`. */
export async function runFlowScenario(url: string, dir: string): Promise<void> {
  const ledger = join(dir, `${randomUUID()}.jsonl`);
  const spawnWorker = (): void => {
    const args = ['--lease-ms', '1000', '--log-level', 'info'];
    const w = startBrokerWorker(url, { tasks: TASKS, concurrency: 4, ledger, args });
    workers.add(w);
  };
  for (let i = 0; i < WORKERS; i++) spawnWorker();

  const app = new Drover({ broker: url });
  const broker: Broker = await app.broker();
  const expected = new Map<string, number>();
  const failing = new Set<string>();
  for (let i = 0; i < CHAINS; i++) {
    const job = await app.call(chain(step.sig(i, 1), step.sig(1), step.sig(1), step.sig(1), step.sig(1)));
    expected.set(job.id, i + 5);
  }
  for (let i = 0; i < CHORDS; i++) {
    const members = Array.from({ length: 10 }, (_, j) => step.sig(i, j));
    const job = await app.call(chord(members, total.sig()));
    expected.set(job.id, 10 * i + 45);
  }
  for (let i = 0; i < FAILING; i++) {
    const job = await app.call(chain(step.sig(i, 1), step.sig(1), bust.sig(), step.sig(1), step.sig(1)));
    failing.add(job.id);
  }

  const killed = new Set<number>();
  const flows = [...expected.keys(), ...failing];
  const ended = new Map<string, JobSnapshot>();
  const started = Date.now();
  let lastKill = Date.now();
  while (ended.size < flows.length && Date.now() - started < DEADLINE_MS) {
    for (const id of flows) {
      if (ended.has(id)) continue;
      const job = await broker.getJob(id);
      if (job && ['succeeded', 'failed', 'cancelled'].includes(job.status)) ended.set(id, job);
    }
    if (Date.now() - lastKill >= 1000) {
      lastKill = Date.now();
      // A worker takes seconds to start on a busy machine: kill only ready ones, and keep one working.
      const ready = [...workers].filter((w) => w.proc.exitCode === null && w.output().includes('worker started'));
      const victim = ready.length >= 2 ? ready[Math.floor(Math.random() * ready.length)] : undefined;
      if (victim) {
        victim.proc.kill('SIGKILL');
        killed.add(victim.pid);
        workers.delete(victim);
        spawnWorker();
      }
    }
    await sleep(100);
  }
  if (ended.size < flows.length) for (const w of workers) console.log(w.output().slice(0, 2000));
  for (const w of workers) w.proc.kill('SIGKILL');
  const seconds = (Date.now() - started) / 1000;
  console.log(`flows ended: ${ended.size}/${flows.length} in ${seconds.toFixed(1)} s with ${killed.size} SIGKILLs`);

  // Every flow ended: the healthy ones with the right result, the others failed naming their step.
  expect(ended.size).toBe(flows.length);
  expect(killed.size).toBeGreaterThanOrEqual(3);
  for (const [id, result] of expected) expect(ended.get(id), id).toMatchObject({ status: 'succeeded', result });
  for (const id of failing) {
    const flow = ended.get(id)!;
    expect(flow.status).toBe('failed');
    expect(flow.error?.message).toBe(`step bust (job ${id}.2) failed: bust: fails on purpose`);
  }

  const lines = readLedger(ledger);
  const byJob = new Map<string, LedgerLine[]>();
  for (const line of lines) {
    let list = byJob.get(line.id);
    if (!list) byJob.set(line.id, (list = []));
    list.push(line);
  }
  // No step of a failed flow ran after its failure; those after the failing step never ran.
  for (const id of failing) {
    const failedAt = ended.get(id)!.finishedAt!;
    for (let s = 0; s < 5; s++) {
      const starts = (byJob.get(`${id}.${s}`) ?? []).filter((l) => l.event === 'start');
      if (s > 2) expect(starts, `${id}.${s} ran`).toEqual([]);
      for (const start of starts)
        expect(start.at, `${id}.${s} started after its flow failed`).toBeLessThanOrEqual(failedAt);
    }
    expect(await broker.getJob(`${id}.3`)).toBeUndefined();
  }
  // A job ran more than once only where an earlier run was in a process killed before it ended.
  let duplicates = 0;
  for (const [jobId, jobLines] of byJob) {
    const starts = jobLines.filter((l) => l.event === 'start');
    if (starts.length <= 1) continue;
    duplicates += starts.length - 1;
    for (const start of starts.slice(0, -1)) {
      const endedThere = jobLines.some((l) => l.event === 'end' && l.pid === start.pid && l.attempt === start.attempt);
      const crashed = killed.has(start.pid) && !endedThere;
      const acked = endedThere && killed.has(start.pid); // ended, but killed before its ack was recorded
      expect(crashed || acked, `${jobId}: ran again after attempt ${start.attempt} in ${start.pid}`).toBe(true);
    }
  }
  // Each chord callback ran once per flow, apart from runs cut short by a kill (checked above).
  for (let i = 0; i < CHORDS; i++) {
    const id = [...expected.keys()][CHAINS + i]!;
    const runs = (byJob.get(`${id}.10`) ?? []).filter((l) => l.event === 'start');
    expect(runs.length, `${id}.10 never ran`).toBeGreaterThanOrEqual(1);
  }
  console.log(`ledger: ${lines.length} lines, ${duplicates} repeated runs (all in killed processes)`);
  await app.close();
}
