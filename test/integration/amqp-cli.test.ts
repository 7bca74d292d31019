/**
 * `drover server --store amqp://…` and `drover worker --broker amqp://…` as
 * real processes on the shared RabbitMQ (a unique prefix) with a result
 * backend they share — SQLite, then the shared Redis (a unique prefix,
 * deleted afterwards): jobs posted to the server run on the worker.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AMQP_URL, deletePrefixed } from '../conformance/amqp-cleanup.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';
import { CLI, ROOT, TASKS, eventually, http, startServer, stopAll, stopServer, tempDir } from './server-harness.js';

const run = `drover-cli-${randomUUID().slice(0, 8)}`;
const workers: ChildProcess[] = [];

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await stopAll();
  for (const kind of ['sqlite', 'redis']) await deletePrefixed(`${run}-${kind}`, ['add', 'sleepy', 'boom', 'work']);
  await deletePrefix(redisUrl, `${run}-state`);
});

function startWorker(
  prefix: string,
  backend: string,
): { child: ChildProcess; exited: Promise<number | string>; log: () => string } {
  const args = [CLI, 'worker', TASKS, '--broker', `${AMQP_URL}?prefix=${prefix}`, '--backend', backend];
  const child = spawn(process.execPath, [...args, '--concurrency', '8', '--grace', '2000'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { child, exited, log: () => stderr };
}

describe('amqp through the CLI', () => {
  it.each([
    ['sqlite', () => `sqlite:${join(tempDir(), 'state.db')}`],
    ['redis', () => `${redisUrl}/0?prefix=${run}-state`],
  ])(
    'drover server --store amqp://… and drover worker --broker amqp://… --backend %s run jobs together',
    async (kind, made) => {
      const prefix = `${run}-${kind}`;
      const backend = made();
      const store = `${AMQP_URL}?prefix=${prefix}&backend=${encodeURIComponent(backend)}`;
      const server = await startServer({ args: ['--store', store] });
      const worker = startWorker(prefix, backend);

      const one = await http(server, 'POST', '/v1/jobs', { body: { task: 'add', args: [2, 3] } });
      expect(one.status).toBe(201);
      const result = await http(server, 'GET', `/v1/jobs/${one.body.id}/result?timeout=15000`);
      expect(result.status, worker.log()).toBe(200);
      expect(result.body).toMatchObject({ status: 'succeeded', result: 5 });

      const batch = await http(server, 'POST', '/v1/jobs', {
        body: Array.from({ length: 40 }, (_, i) => ({ task: 'sleepy', args: [20, `t${i}`] })),
      });
      expect(batch.status).toBe(201);
      const delayed = await http(server, 'POST', '/v1/jobs', {
        body: { task: 'add', args: [20, 22], options: { delay: 300, priority: 3 } },
      });
      expect(delayed.body.status).toBe('delayed');
      const poison = await http(server, 'POST', '/v1/jobs', {
        body: { task: 'boom', args: ['always'], options: { retries: 1, backoff: { type: 'fixed', delay: 50 } } },
      });

      for (const { id } of batch.body as { id: string }[]) {
        const done = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=15000`);
        expect(done.body.status).toBe('succeeded');
      }
      const later = await http(server, 'GET', `/v1/jobs/${delayed.body.id}/result?timeout=15000`);
      expect(later.body).toMatchObject({ status: 'succeeded', result: 42 });
      const dead = await http(server, 'GET', `/v1/jobs/${poison.body.id}/result?timeout=15000`);
      expect(dead.body).toMatchObject({ status: 'failed', attempt: 2, error: { message: 'always' } });

      const failed = await http(server, 'GET', '/v1/jobs?status=failed&queue=boom');
      expect(failed.body.jobs.map((j: { id: string }) => j.id)).toEqual([poison.body.id]);
      const queues = await eventually(async () => {
        const res = await http(server, 'GET', '/v1/queues');
        const all = res.body.queues as { queue: string; succeeded: number }[];
        return all.find((q) => q.queue === 'sleepy')?.succeeded === 40 ? all : undefined;
      });
      expect(queues).toEqual(
        expect.arrayContaining([
          { queue: 'add', waiting: 0, active: 0, delayed: 0, succeeded: 2, failed: 0, paused: false, limited: 0 },
          { queue: 'boom', waiting: 0, active: 0, delayed: 0, succeeded: 0, failed: 1, paused: false, limited: 0 },
        ]),
      );

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await stopServer(server)).toBe(0);
    },
    90_000,
  );

  it('drover worker --backend refuses a broker that is not amqp://', async () => {
    const child = spawn(process.execPath, [CLI, 'worker', TASKS, '--broker', 'memory:', '--backend', 'sqlite:x.db'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr).toContain('--backend applies to amqp:// brokers only');
  });
});
