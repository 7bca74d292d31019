/**
 * The queue-control routes (`/v1/queues/:queue/...`) and the `paused` /
 * `limited` fields of `GET /v1/queues`, on an in-process server over SQLite.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Drover, Fail } from '../../src/index.js';
import type { DroverServer } from '../../src/server/index.js';
import { createServer } from '../../src/server/index.js';
import type { CliRun } from './server-harness.js';
import { http, metric, runCli } from './server-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-server-queues-'));
let app: Drover;
let server: DroverServer;
let target: { url: string };

beforeAll(async () => {
  app = new Drover({ broker: `sqlite:${join(dir, 'q.db')}` });
  app.task('flaky', () => {
    throw new Fail('no');
  });
  server = createServer({ app, port: 0, concurrency: 0 });
  target = await server.listen();
});

afterAll(async () => {
  await server.close({ grace: 0 });
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const enqueue = async (task: string, n: number, options: object = {}): Promise<string[]> => {
  const body = Array.from({ length: n }, (_, i) => ({ task, args: [i], options }));
  const res = await http(target, 'POST', '/v1/jobs', { body });
  expect(res.status).toBe(201);
  return (res.body as { id: string }[]).map((j) => j.id);
};

describe('queue routes', () => {
  it('PATCH /v1/queues/:queue - sets, and null puts back; bad settings are a 400 naming the field', async () => {
    const q = `q-${randomUUID()}`;
    let res = await http(target, 'PATCH', `/v1/queues/${q}`, { body: { rateLimit: { max: 5, per: 1000 } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ queue: q, settings: { paused: false, rateLimit: { max: 5, per: 1000 } } });
    res = await http(target, 'PATCH', `/v1/queues/${q}`, { body: { rateLimit: null, groupConcurrency: 3 } });
    expect(res.body.settings).toEqual({ paused: false, groupConcurrency: 3 });
    res = await http(target, 'PATCH', `/v1/queues/${q}`, { body: { rateLimit: { max: 5 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/rateLimit/);
    res = await http(target, 'PATCH', `/v1/queues/${q}`, { body: { burst: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/burst/);
  });

  it('POST /v1/queues/:queue/pause, GET /v1/queues - paused with every waiting job limited; resume', async () => {
    const q = `q-${randomUUID()}`;
    expect((await http(target, 'POST', `/v1/queues/${q}/pause`)).body.settings.paused).toBe(true);
    await enqueue('nobody', 3, { queue: q });
    const view = await http(target, 'GET', `/v1/queues/${q}`);
    expect(view.body).toMatchObject({ queue: q, settings: { paused: true }, limits: { paused: true, limited: 3 } });
    const listed = (await http(target, 'GET', '/v1/queues')).body.queues as { queue: string }[];
    expect(listed.find((x) => x.queue === q)).toMatchObject({ waiting: 3, paused: true, limited: 3 });
    const metrics = await http(target, 'GET', '/metrics');
    expect(metric(metrics.text, `drover_queue_depth{queue="${q}",state="limited"}`)).toBe(3);
    expect((await http(target, 'POST', `/v1/queues/${q}/resume`)).body.settings.paused).toBe(false);
    expect((await http(target, 'GET', `/v1/queues/${q}`)).body.limits).toEqual({ paused: false, limited: 0 });
    expect((await http(target, 'POST', `/v1/queues/${q}/drain`)).body).toEqual({ queue: q, count: 3 });
  });

  it('POST /v1/queues/:queue/retry-failed and /purge - count what they touched', async () => {
    const ids = await enqueue('flaky', 2, { retries: 0 });
    const worker = app.worker({ concurrency: 2, pollInterval: 20 });
    for (const id of ids)
      await expect
        .poll(async () => (await http<{ status: string }>(target, 'GET', `/v1/jobs/${id}`)).body.status)
        .toBe('failed');
    await worker.close();
    expect((await http(target, 'POST', '/v1/queues/flaky/retry-failed')).body).toEqual({ queue: 'flaky', count: 2 });
    expect((await http(target, 'POST', '/v1/queues/flaky/drain', { body: {} })).body.count).toBe(2);
    let res = await http(target, 'POST', '/v1/queues/flaky/purge', { body: { olderThan: 3_600_000 } });
    expect(res.body).toEqual({ queue: 'flaky', count: 0 });
    res = await http(target, 'POST', '/v1/queues/flaky/purge');
    expect(res.body).toEqual({ queue: 'flaky', count: 2 });
    res = await http(target, 'POST', '/v1/queues/flaky/purge', { body: { olderThan: -5 } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/olderThan/);
  });
});

function expectOneLineFailure(run: CliRun, mentions: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
  expect(run.stderr).toMatch(mentions);
}

describe('drover queue', () => {
  it('drover queue pause|resume|set|show|drain|retry-failed|purge <queue> - through the server', async () => {
    const q = `q-${randomUUID()}`;
    const cli = (...args: string[]): Promise<CliRun> => runCli(['queue', ...args, '--server', target.url]);
    expect((await cli('pause', q)).stdout).toBe(`${q} {"paused":true}\n`);
    await enqueue('nobody', 2, { queue: q });
    const shown = JSON.parse((await cli('show', q)).stdout) as { limits: { limited: number } };
    expect(shown.limits).toEqual({ paused: true, limited: 2 });
    expect((await cli('set', q, '--rate-limit', '10/1000', '--group-concurrency', '2')).stdout).toBe(
      `${q} {"paused":true,"rateLimit":{"max":10,"per":1000},"groupConcurrency":2}\n`,
    );
    expect((await cli('set', q, '--rate-limit', 'none')).stdout).toBe(`${q} {"paused":true,"groupConcurrency":2}\n`);
    expect((await cli('resume', q)).stdout).toBe(`${q} {"paused":false,"groupConcurrency":2}\n`);
    expect((await cli('drain', q)).stdout).toBe(`${q} drained 2\n`);
    expect((await cli('retry-failed', q)).stdout).toBe(`${q} retried 0\n`);
    expect((await cli('purge', q, '--older-than', '3600000')).stdout).toBe(`${q} purged 0\n`);
    expect((await cli('purge', q)).stdout).toBe(`${q} purged 2\n`);
    expectOneLineFailure(await cli('set', q, '--rate-limit', 'fast'), /--rate-limit.*<max>\/<ms>/);
    expectOneLineFailure(await cli('set', q), /nothing to set/);
    expectOneLineFailure(await cli('stop', q), /unknown command 'stop'/);
  }, 120_000); // 13 CLI processes: slow on a loaded machine
});
