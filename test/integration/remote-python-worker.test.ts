/**
 * A worker written from docs/protocol.md alone, in another language
 * (examples/python-worker, Python standard library only), against a real
 * server: handshake with mutual proofs, heartbeats, done, fail with retry,
 * an unknown task, a plain `constructor` key in a result, and a goodbye
 * close on SIGTERM. Skipped where python3 is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../security/helpers.js';
import { SECRET, request, startTestServer } from '../security/helpers.js';
import { waitFor } from './remote-helpers.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;
let target: TestServer;
let worker: ReturnType<typeof spawn> | undefined;
let output = '';

beforeAll(async () => {
  if (!hasPython) return;
  target = await startTestServer({ secret: SECRET, leaseMs: 2000, heartbeatMs: 500 });
  worker = spawn(
    'python3',
    ['examples/python-worker/drover_worker.py', `ws://127.0.0.1:${target.port}/v1/workers/ws`, 'add', 'echo', 'boom'],
    {
      env: { ...process.env, DROVER_SECRET: `${SECRET}\n` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  worker.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  worker.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor(() => output.includes('ready as'), 10_000, `the python worker to be ready: ${output}`);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await target?.close();
});

async function run(
  body: unknown,
): Promise<{ status: string; result: unknown; attempt: number; error: { name: string; code?: string } | null }> {
  const made = await request(target, 'POST', '/v1/jobs', { token: SECRET, body });
  expect(made.status, made.text).toBe(201);
  const res = await request(target, 'GET', `/v1/jobs/${made.body.id as string}/result?timeout=10000`, {
    token: SECRET,
  });
  expect(res.status, res.text).toBe(200);
  return res.body as {
    status: string;
    result: unknown;
    attempt: number;
    error: { name: string; code?: string } | null;
  };
}

describe.skipIf(!hasPython)('a Python worker written from the spec', () => {
  it('runs jobs: results, a plain constructor key, retries, an unknown task', async () => {
    expect(await run({ task: 'add', args: [40, 2] })).toMatchObject({ status: 'succeeded', result: 42, attempt: 1 });
    expect(await run({ task: 'echo', args: [{ constructor: 'data' }, 9007199254740991] })).toMatchObject({
      status: 'succeeded',
      result: [{ constructor: 'data' }, 9007199254740991],
    });
    expect(
      await run({ task: 'boom', args: [], options: { retries: 1, backoff: { type: 'fixed', delay: 10 } } }),
    ).toMatchObject({
      status: 'failed',
      attempt: 2,
      error: { name: 'RuntimeError' },
    });
    expect(await run({ task: 'mul', args: [2, 3], options: { queue: 'add' } })).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { name: 'UnknownTaskError', code: 'ERR_DROVER_UNKNOWN_TASK' },
    });
  });

  it('stays connected across heartbeats, then says goodbye (1000) on SIGTERM', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const workers = (await request(target, 'GET', '/v1/workers', { token: SECRET })).body.workers as { name: string }[];
    expect(workers.map((w) => w.name)).toEqual([expect.stringMatching(/^python:/)]);
    const exited = new Promise<number | null>((r) => worker!.once('exit', (code) => r(code)));
    worker!.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(() => target.log().includes('closed by the worker (1000)'), 5000, 'the goodbye');
  });
});
