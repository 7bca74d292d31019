/**
 * What the server enforces on remote workers whatever they do
 * (docs/reliability.md S27, S29, G5, S22): a job's timeout (the attempt
 * fails at the deadline and the late outcome is `stale_lease`), a retry
 * delay too long for a timer (clamped, not refused), a worker that stops
 * reading (dropped; shutdown does not wait out the grace), and a server
 * that froze (its own stall is not the worker's silence).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Limits } from '../../src/protocol/index.js';
import type { TestServer } from '../security/helpers.js';
import { request, startTestServer } from '../security/helpers.js';
import type { Frame } from './remote-helpers.js';
import { RawClient, SECRET, sleep, waitFor } from './remote-helpers.js';

const servers: TestServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: { heartbeatMs?: number; grace?: number } = {}): Promise<TestServer> {
  const s = await startTestServer({ secret: SECRET, leaseMs: 2000, heartbeatMs: options.heartbeatMs ?? 500 });
  servers.push(s);
  return s;
}

async function worker(target: TestServer, concurrency = 1, tasks = ['work']): Promise<RawClient> {
  const client = await RawClient.open(target.port);
  clients.push(client);
  await client.handshake(SECRET, { tasks, concurrency });
  return client.keepAlive(100);
}

async function enqueue(target: TestServer, body: unknown): Promise<string> {
  const res = await request(target, 'POST', '/v1/jobs', { token: SECRET, body });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

interface JobJson {
  status: string;
  attempt: number;
  runAt: number;
  error: { code?: string } | null;
}

async function job(target: TestServer, id: string): Promise<JobJson> {
  return (await request(target, 'GET', `/v1/jobs/${id}`, { token: SECRET })).body as JobJson;
}

describe('the server enforces a remote job timeout (S29)', () => {
  it('a worker that ignores a 300 ms timeout: failed at the deadline, told to cancel, its late done refused as stale_lease', async () => {
    const target = await start();
    const client = await worker(target);
    const id = await enqueue(target, { task: 'work', args: [], options: { timeout: 300, retries: 0 } });
    const frame = await client.nextJob(3000);
    const sent = Date.now();
    const cancel = (await client.next(2000)) as Frame;
    expect(cancel).toEqual({ type: 'cancel', id });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(250);
    expect(Date.now() - sent).toBeLessThan(300 + 100 + 250);
    const failed = await waitFor(
      async () => {
        const j = await job(target, id);
        return j.status === 'failed' ? j : undefined;
      },
      2000,
      'the job to fail',
    );
    expect(failed.error).toMatchObject({ code: 'ERR_DROVER_JOB_TIMEOUT' });
    client.send({ type: 'done', id, lease: frame.lease, result: 'late' });
    expect(await client.next(2000)).toMatchObject({ type: 'error', code: 'stale_lease', id });
    expect((await job(target, id)).status).toBe('failed');
  });

  it('with retries left, the timed-out attempt is retried per its backoff', async () => {
    const target = await start();
    const client = await worker(target);
    const id = await enqueue(target, {
      task: 'work',
      args: [],
      options: { timeout: 200, retries: 1, backoff: { type: 'fixed', delay: 0 } },
    });
    const first = await client.nextJob(3000);
    expect(first.attempt).toBe(1);
    const second = await client.nextJob(3000);
    expect(second).toMatchObject({ id, attempt: 2 });
    client.send({ type: 'done', id, lease: second.lease, result: 1 });
    await waitFor(async () => (await job(target, id)).status === 'succeeded', 2000, 'the retry to succeed');
  });
});

describe('fail.delayMs beyond a timer (item 11)', () => {
  it('delayMs of 2^31 + 5 is clamped to 2^31 - 1, not refused as a malformed frame', async () => {
    const target = await start();
    const client = await worker(target);
    const id = await enqueue(target, { task: 'work', args: [], options: { retries: 2 } });
    const frame = await client.nextJob(3000);
    const before = Date.now();
    client.send({
      type: 'fail',
      id,
      lease: frame.lease,
      error: { name: 'E', message: 'later' },
      retry: true,
      delayMs: 2 ** 31 + 5,
    });
    const delayed = await waitFor(
      async () => {
        const j = await job(target, id);
        return j.status === 'delayed' ? j : undefined;
      },
      2000,
      'the job to be delayed',
    );
    expect(delayed.runAt - before).toBeGreaterThan(Limits.RETRY_DELAY_MS - 5000);
    expect(delayed.runAt - before).toBeLessThanOrEqual(Limits.RETRY_DELAY_MS + 5000);
    expect(await client.next(300)).toBeUndefined();
  });
});

describe('a worker that stops reading (item 12, S08)', () => {
  it('is dropped, and shutdown then takes well under the grace (nothing held, nothing connected)', async () => {
    const target = await start();
    const client = await worker(target, 1000);
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(100 * 1024);
    const body = Array.from({ length: 250 }, (_, i) => ({ task: 'work', args: [i, big] }));
    for (let i = 0; i < body.length; i += 5) {
      const res = await request(target, 'POST', '/v1/jobs', { token: SECRET, body: body.slice(i, i + 5) });
      expect(res.status).toBe(201);
    }
    await waitFor(
      async () => (await request(target, 'GET', '/v1/workers', { token: SECRET })).body.workers.length === 0,
      10_000,
      'the slow reader to be dropped',
    );
    const started = Date.now();
    await target.server.close({ grace: 30_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("the server's own freeze is not a worker's silence (item 5, S27)", () => {
  it('a 1.5 s event-loop stall with a 200 ms heartbeat drops no healthy worker and re-runs nothing', async () => {
    const target = await start({ heartbeatMs: 200 });
    const client = await worker(target, 2);
    const id = await enqueue(target, { task: 'work', args: [] });
    const frame = await client.nextJob(3000);
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      // the server's event loop is frozen (it runs in this process)
    }
    await sleep(800);
    expect(client.closeCode).toBeUndefined();
    client.send({ type: 'done', id, lease: frame.lease, result: 'ok' });
    await waitFor(async () => (await job(target, id)).status === 'succeeded', 2000, 'the job to succeed');
    expect((await job(target, id)).attempt).toBe(1);
  });
});

describe('a long queue list (item 13: 4 KiB before auth, the full list after)', () => {
  it('a raw 6 KB hello is still closed with 1009', async () => {
    const target = await start();
    const client = await RawClient.open(target.port);
    clients.push(client);
    const tasks = Array.from({ length: 30 }, (_, i) => `${'q'.repeat(190)}-${i}`);
    client.send({ type: 'hello', protocol: 1, name: 'raw', tasks, concurrency: 1 });
    const got = await client.next(2000);
    expect(got).toEqual({ closed: 1009 });
  });

  it('a worker with 1,000 queues of 200 characters sends them in a tasks frame after auth and gets jobs of the last one', async () => {
    const target = await start();
    const { Drover } = await import('../../src/index.js');
    const queues = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'q'.repeat(196)}`);
    const app = new Drover({ broker: `ws://127.0.0.1:${target.port}`, secret: SECRET });
    app.task('add', (a: number, b: number) => a + b);
    const herd = app.worker({ concurrency: 2, queues });
    try {
      const id = await enqueue(target, { task: 'add', args: [40, 2], options: { queue: queues.at(-1) } });
      const res = await request(target, 'GET', `/v1/jobs/${id}/result?timeout=10000`, { token: SECRET });
      expect(res.body).toMatchObject({ status: 'succeeded', result: 42 });
      const [listed] = (await request(target, 'GET', '/v1/workers', { token: SECRET })).body.workers;
      expect(listed.tasks).toHaveLength(1000);
    } finally {
      await herd.close({ grace: 0 });
      await app.close({ grace: 0 });
    }
  });
});
