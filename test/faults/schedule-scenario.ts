/**
 * The scenario of the schedule fault tests — one fire per tick across processes (DESIGN §11): three `drover server`
 * processes share one store, each runs its schedule ticker, and an
 * every-second schedule runs for ~20 s while one server is SIGKILLed and
 * restarted. From the broker's jobs and from a ledger the task appends to:
 * every tick from the first fire to the last has exactly one job, none is
 * missed (at least two servers lived at every moment), and no tick ran
 * twice except as a re-run of a job whose worker was killed (a higher
 * attempt of the same job).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ServerProcess } from '../integration/server-harness.js';
import { ROOT, http, startServer, stopServer, tempDir, uniq } from '../integration/server-harness.js';

const TASKS = join(ROOT, 'test/fixtures/schedule-tasks.ts');
const RUN_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The ticks of the schedule's jobs the server lists, ascending. */
async function firedTicks(server: ServerProcess, name: string): Promise<number[]> {
  const ticks: number[] = [];
  for (const status of ['succeeded', 'queued', 'active', 'delayed', 'failed']) {
    const page = await http(server, 'GET', `/v1/jobs?status=${status}&queue=tick&limit=1000`);
    for (const job of page.body.jobs as { id: string }[])
      if (job.id.startsWith(`schedule:${name}:`)) ticks.push(Number(job.id.slice(`schedule:${name}:`.length)));
  }
  return ticks.sort((a, b) => a - b);
}

/** Runs the scenario of the module comment on `store` (a `--store` URL) and checks it. */
export async function fireOncePerTick(store: string): Promise<void> {
  const dir = tempDir();
  const ledger = join(dir, 'ledger.txt');
  const start = (): Promise<ServerProcess> =>
    startServer({
      concurrency: 2,
      tasks: TASKS,
      env: { DROVER_TEST_LEDGER: ledger },
      // The last --store wins over the harness's own SQLite file.
      args: ['--store', store, '--lease-ms', '2000'],
    });
  const servers = await Promise.all([start(), start(), start()]);
  const name = uniq('every-second');
  const put = await http(servers[0], 'PUT', `/v1/schedules/${name}`, { body: { every: 1000, task: 'tick' } });
  expect(put.status, put.text).toBe(201);
  const began = Date.now();

  // SIGKILL one server a third of the way in; restart it on the same store a few seconds later.
  await sleep(RUN_MS / 3);
  servers[1].child.kill('SIGKILL');
  await servers[1].exited;
  await sleep(3000);
  servers[1] = await start();
  await sleep(began + RUN_MS - Date.now());

  const removed = await http(servers[0], 'DELETE', `/v1/schedules/${name}`);
  expect(removed.status).toBe(200);
  const ended = Date.now();
  await sleep(3000); // the last fires run (a killed holder's lease expires within 2 s)
  const ticks = await firedTicks(servers[0], name);
  const logs = servers.map((s) => s.log()).join('\n');
  await Promise.all(servers.map((s) => stopServer(s)));

  // Every tick after creation until removal fired exactly once: consecutive seconds, no gaps, no repeats.
  expect(ticks.length).toBeGreaterThanOrEqual(Math.floor((ended - began) / 1000) - 1);
  expect(ticks[0]).toBeLessThanOrEqual(began + 2000);
  for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!, `after tick ${ticks[i - 1]}`).toBe(1000);
  expect(logs).not.toMatch(/schedule ticker: a round failed/);

  // The ledger: each fire ran, and a tick ran twice only as another attempt of its one job.
  expect(existsSync(ledger)).toBe(true);
  const runs = readFileSync(ledger, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  const attemptsByJob = new Map<string, string[]>();
  for (const [id, attempt] of runs) attemptsByJob.set(id!, [...(attemptsByJob.get(id!) ?? []), attempt!]);
  expect([...attemptsByJob.keys()].sort()).toEqual(ticks.map((t) => `schedule:${name}:${t}`).sort());
  for (const [id, attempts] of attemptsByJob)
    expect(new Set(attempts).size, `${id} ran ${attempts.join(',')}`).toBe(attempts.length);
}
