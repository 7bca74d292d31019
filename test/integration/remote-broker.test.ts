/**
 * `ws://` as a broker URL (docs/brokers.md, docs/protocol.md): `new Drover({ broker:
 * 'ws://…', secret })` both calls (HTTP API) and works (WebSocket) through
 * a real `drover server`; and `drover worker` as a process: graceful
 * SIGTERM, wrong secret, unreachable server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, BrokerError, ConfigError, Drover, JobCancelledError, currentJob } from '../../src/index.js';
import type { Report } from '../../src/index.js';
import type { Child, ServerChild } from './remote-helpers.js';
import { SECRET, freePort, killAll, startServer, startWorker, waitFor } from './remote-helpers.js';

let server: ServerChild;
let worker: Child;
const apps: Drover[] = [];

function remoteApp(secret = SECRET, port = server.port): Drover {
  const app = new Drover({ broker: `ws://127.0.0.1:${port}`, secret });
  apps.push(app);
  return app;
}

beforeAll(async () => {
  server = await startServer();
  worker = startWorker(server.port, { concurrency: 4, args: ['--log-level', 'info'] });
  await waitFor(async () => (await server.api.workers()).length === 1, 10_000, 'the worker');
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close({ grace: 0 })));
  killAll();
});

describe('ws:// broker', () => {
  it('app.call() through the server; job.result() and job.reports() over SSE', async () => {
    const app = remoteApp();
    const job = await app.call('add', [2, 3]);
    expect(await job.result({ timeout: 5000 })).toBe(5);
    const statuses: Report['status'][] = [];
    for await (const report of job.reports()) statuses.push(report.status);
    expect(statuses).toEqual(['queued', 'active', 'succeeded']);
    const snapshot = await job.status();
    expect(snapshot).toMatchObject({ id: job.id, task: 'add', status: 'succeeded', result: 5, attempt: 1 });
    expect(await (await app.call('noop', [])).result({ timeout: 5000 })).toBeUndefined();
    const many = await app.callMany('add', [
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(await Promise.all(many.map((j) => j.result({ timeout: 5000 })))).toEqual([2, 4, 6]);
    expect((await (await app.broker()).counts()).find((q) => q.queue === 'add')).toMatchObject({ succeeded: 4 });
  });

  it('app.worker() in this process works through the server, with currentJob() and progress', async () => {
    const workerApp = remoteApp();
    workerApp.task('mul', async (a: number, b: number) => {
      await currentJob().progress({ half: true });
      return a * b * currentJob().attempt;
    });
    const herd = workerApp.worker({ concurrency: 2 });
    const job = await remoteApp().call('mul', [3, 4]);
    expect(await job.result({ timeout: 5000 })).toBe(12);
    expect((await job.status()).progress).toEqual({ half: true });
    expect((await server.api.workers()).map((w) => w.tasks)).toContainEqual(['mul']);
    await herd.close({ grace: 1000 });
    await workerApp.close();
    await waitFor(async () => (await server.api.workers()).length === 1, 3000, 'the in-process worker to say goodbye');
  });

  it('job.cancel() reaches the remote handler: its signal aborts and the job is cancelled', async () => {
    const app = remoteApp();
    const job = await app.call('work', [10_000]);
    await waitFor(async () => (await job.status()).status === 'active', 5000, 'the job to start');
    expect(await job.cancel()).toBe(true);
    await expect(job.result({ timeout: 2000 })).rejects.toBeInstanceOf(JobCancelledError);
    // The slot is free again: the worker takes the next job at once.
    expect(await (await app.call('add', [1, 2])).result({ timeout: 2000 })).toBe(3);
  });

  it('an unreachable server is a BrokerError naming the URL', async () => {
    const port = await freePort();
    const app = remoteApp(SECRET, port);
    const error = await app.call('add', [1, 2]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as Error).message).toContain(`ws://127.0.0.1:${port}`);
  });

  it('a wrong secret: the producer gets an AuthError; `drover worker` prints auth failed and exits 1', async () => {
    const app = remoteApp('not-the-secret-0123456789abcdef-0000');
    await expect(app.call('add', [1, 2])).rejects.toBeInstanceOf(AuthError);
    const wrong = startWorker(server.port, { secret: 'not-the-secret-0123456789abcdef-0000' });
    expect(await wrong.exit).toBe(1);
    expect(wrong.output()).toContain('auth failed');
  });

  it('only the json codec travels through a server', async () => {
    await expect(new Drover({ broker: 'ws://127.0.0.1:1', codec: 'msgpack' }).broker()).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it('`drover worker` on SIGTERM finishes what it runs, takes nothing new, and exits 0', async () => {
    const app = remoteApp();
    const job = await app.call('work', [1200]);
    await waitFor(async () => (await job.status()).status === 'active', 5000, 'the job to start');
    const started = Date.now();
    worker.proc.kill('SIGTERM');
    // "Nothing new" means after the worker has taken the signal in, not merely after it was sent.
    await waitFor(() => worker.output().includes('received SIGTERM'), 2000, 'the worker to take the signal in');
    const next = await app.call('add', [5, 5]);
    expect(await worker.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await job.result({ timeout: 1000 })).toBe(worker.pid);
    expect((await next.status()).status).toBe('queued');
    expect(await server.api.workers()).toEqual([]);
  });
});
