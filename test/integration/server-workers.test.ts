/**
 * Remote workers through the server's WebSocket endpoint: the HTTP server
 * hands `/v1/workers/ws` upgrades to the gateway, lists connected workers
 * at GET /v1/workers (and in `drover status`), and counts them in
 * `drover_workers_connected`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from './server-harness.js';
import { CLI, ROOT, SECRET, TASKS, eventually, http, metric, runCli, startServer, stopAll } from './server-harness.js';

let server: ServerProcess;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  server = await startServer({ secret: SECRET });
});

afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  await stopAll();
});

function startWorker(name: string, secret: string): ChildProcess {
  const ws = server.url.replace(/^http/, 'ws');
  const child = spawn(
    process.execPath,
    [CLI, 'worker', TASKS, '--server', ws, '--concurrency', '3', '--name', name, '--log-level', 'warn'],
    {
      cwd: ROOT,
      env: { ...process.env, DROVER_SECRET: secret },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr.resume();
  workers.push(child);
  return child;
}

interface Listed {
  name: string;
  tasks: string[];
  concurrency: number;
  active: number;
  lastSeen: number;
}

async function listed(): Promise<Listed[]> {
  return (await http(server, 'GET', '/v1/workers', { token: SECRET })).body.workers as Listed[];
}

describe('remote workers on /v1/workers/ws', () => {
  it('GET /v1/workers - lists a connected `drover worker`; its jobs run there; it leaves when it stops', async () => {
    const worker = startWorker('remote-one', SECRET);
    const [entry] = await eventually(async () => {
      const found = (await listed()).filter((w) => w.name === 'remote-one');
      return found.length === 1 ? found : undefined;
    }, 15_000);
    expect(entry).toMatchObject({
      name: 'remote-one',
      concurrency: 3,
      tasks: expect.arrayContaining(['add', 'sleepy']),
    });
    expect(entry!.lastSeen).toBeGreaterThan(Date.now() - 60_000);
    expect(metric((await http(server, 'GET', '/metrics')).text, 'drover_workers_connected')).toBe(1);

    const res = await http(server, 'POST', '/v1/jobs', { token: SECRET, body: { task: 'add', args: [2, 3] } });
    const done = await http(server, 'GET', `/v1/jobs/${res.body.id}/result?timeout=10000`, { token: SECRET });
    expect(done.body).toMatchObject({ status: 'succeeded', result: 5 });

    const status = await runCli(['status', '--server', server.url], { env: { DROVER_SECRET: SECRET } });
    expect(status.stdout).toMatch(/remote-one\s+\S*add\S*\s+3\s+\d+/);

    worker.kill('SIGTERM');
    await eventually(async () => (await listed()).every((w) => w.name !== 'remote-one'), 15_000);
  });

  it('GET /v1/workers - a worker with the wrong secret is never listed', async () => {
    const impostor = startWorker('impostor', `${SECRET}-wrong`);
    await new Promise((done) => setTimeout(done, 1500));
    expect((await listed()).map((w) => w.name)).not.toContain('impostor');
    impostor.kill('SIGKILL');
  });
});
