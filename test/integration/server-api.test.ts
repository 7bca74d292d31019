/**
 * The HTTP API of the real `drover server` (child process, SQLite store),
 * route by route, with good and bad input (docs/operations.md, issue 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose, ServerProcess } from './server-harness.js';
import { eventually, http, metric, startServer, stopAll, uniq } from './server-harness.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ concurrency: 4 });
});

afterAll(async () => {
  await stopAll();
});

/** Enqueues one job and returns its id. */
async function enqueue(task: string, args: unknown[], options?: Record<string, unknown>): Promise<string> {
  const res = await http(server, 'POST', '/v1/jobs', { body: { task, args, ...(options ? { options } : {}) } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function terminal(id: string): Promise<Loose> {
  const res = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=10000`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

function expectError(
  res: { status: number; body: Loose; text: string },
  status: number,
  code: string,
  mentions?: string | RegExp,
): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  if (mentions !== undefined) expect(res.body.error.message).toMatch(mentions);
}

async function queueNames(): Promise<string[]> {
  const res = await http(server, 'GET', '/v1/queues');
  const queues = res.body.queues as { queue: string }[];
  return queues.map((q) => q.queue);
}

describe('POST /v1/jobs', () => {
  it('POST /v1/jobs - one job: 201 {id, status: "queued"}, then GET /v1/jobs/:id shows it', async () => {
    const task = uniq('nobody');
    const res = await http(server, 'POST', '/v1/jobs', { body: { task, args: [1, 'two', { three: 3 }] } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), status: 'queued' });
    const job = await http(server, 'GET', `/v1/jobs/${res.body.id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      id: res.body.id,
      task,
      queue: task,
      args: [1, 'two', { three: 3 }],
      status: 'queued',
      attempt: 0,
      result: null,
      error: null,
    });
    expect(job.body.createdAt).toBeTypeOf('number');
  });

  it('POST /v1/jobs - an array is a batch: one answer per job, in order', async () => {
    const res = await http(server, 'POST', '/v1/jobs', {
      body: [
        { task: 'add', args: [1, 2] },
        { task: 'add', args: [3, 4] },
        { task: 'add', args: [5, 6] },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toHaveLength(3);
    const ids = (res.body as { id: string }[]).map((j) => j.id);
    expect(new Set(ids).size).toBe(3);
    const results = await Promise.all(ids.map(async (id): Promise<unknown> => (await terminal(id)).result));
    expect(results).toEqual([3, 7, 11]);
  });

  it('POST /v1/jobs - options: delay, priority and key (a live key returns the same job, 200 duplicate)', async () => {
    const task = uniq('nobody');
    const key = uniq('key');
    const first = await http(server, 'POST', '/v1/jobs', {
      body: { task, args: [], options: { key, priority: 5, delay: 60_000, retries: 0 } },
    });
    expect(first.status).toBe(201);
    expect(first.body.status).toBe('delayed');
    const again = await http(server, 'POST', '/v1/jobs', { body: { task, args: [], options: { key } } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    const job = await http(server, 'GET', `/v1/jobs/${first.body.id}`);
    expect(job.body).toMatchObject({ priority: 5, key, status: 'delayed', options: { retries: 0 } });
  });

  it('POST /v1/jobs - bad JSON, wrong types and unknown keys are 400s that name the field; no job is created', async () => {
    const task = uniq('never');
    expectError(await http(server, 'POST', '/v1/jobs', { body: '{"task": ' }), 400, 'bad_json');
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task, args: 'x' } }),
      400,
      'bad_request',
      /body\.args/,
    );
    expectError(await http(server, 'POST', '/v1/jobs', { body: { task: 42 } }), 400, 'bad_request', /body\.task/);
    expectError(await http(server, 'POST', '/v1/jobs', { body: { task: '' } }), 400, 'bad_request', /body\.task/);
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task: 'a\u0001b' } }),
      400,
      'bad_request',
      /control characters/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task, colour: 'red' } }),
      400,
      'bad_request',
      /colour/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task, options: { retries: -1 } } }),
      400,
      'bad_request',
      /body\.options\.retries/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task, options: { tries: 1 } } }),
      400,
      'bad_request',
      /tries/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task, options: { runAt: 'tomorrow' } } }),
      400,
      'bad_request',
      /runAt/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: { task, options: { backoff: { type: 'linear' } } } }),
      400,
      'bad_request',
      /backoff\.type/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: [{ task }, { task, args: {} }] }),
      400,
      'bad_request',
      /body\[1\]\.args/,
    );
    expectError(await http(server, 'POST', '/v1/jobs', { body: 'null' }), 400, 'bad_request');
    expectError(await http(server, 'POST', '/v1/jobs', { body: '"add"' }), 400, 'bad_request');
    expectError(await http(server, 'POST', '/v1/jobs', { body: [] }), 400, 'bad_request', /at least one/);
    expectError(
      await http(server, 'POST', '/v1/jobs', {
        body: 'task=add',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await http(server, 'POST', '/v1/jobs', { body: '', headers: { 'content-type': 'application/json' } }),
      400,
      'bad_json',
    );
    expectError(await http(server, 'POST', '/v1/jobs?later=1', { body: { task } }), 400, 'bad_request', /later/);
    expect(await queueNames()).not.toContain(task);
  });

  it('POST /v1/jobs - __proto__ and constructor.prototype bodies are refused (400), nothing is polluted', async () => {
    const task = uniq('never');
    const proto = await http(server, 'POST', '/v1/jobs', {
      body: `{"task":"${task}","args":[{"__proto__":{"polluted":true}}]}`,
    });
    expectError(proto, 400, 'forbidden_key', /__proto__/);
    const escaped = await http(server, 'POST', '/v1/jobs', {
      body: `{"task":"${task}","\\u005f_proto__":{"polluted":true}}`,
    });
    expectError(escaped, 400, 'forbidden_key');
    const ctor = await http(server, 'POST', '/v1/jobs', {
      body: `{"task":"${task}","args":[{"constructor":{"prototype":{"polluted":true}}}]}`,
    });
    expectError(ctor, 400, 'forbidden_key');
    expect(await queueNames()).not.toContain(task);
    // The server still works and nothing inherited the key.
    const id = await enqueue('add', [{}, []]);
    expect((await terminal(id)).status).toBe('succeeded');
  });

  it('POST /v1/jobs - a body over 1 MiB is 413 and a batch over 1,000 jobs is 413; no job is created', async () => {
    const task = uniq('never');
    const big = await http(server, 'POST', '/v1/jobs', { body: { task, args: ['x'.repeat(1024 * 1024 + 10)] } });
    expectError(big, 413, 'too_large', /1048576 bytes/);
    const many = await http(server, 'POST', '/v1/jobs', { body: Array.from({ length: 1001 }, () => ({ task })) });
    expectError(many, 413, 'too_large', /1000 jobs/);
    expect(await queueNames()).not.toContain(task);
  });
});

describe('GET /v1/jobs/:id/logs', () => {
  it('GET /v1/jobs/:id/logs - what the handler logged (info and above), in order, with its attempt; 404 for an unknown job', async () => {
    const id = await enqueue('chatty', [7]);
    expect((await terminal(id)).result).toBe(7);
    const res = await http<{ supported: boolean; lines: { level: string; msg: string; attempt: number }[] }>(
      server,
      'GET',
      `/v1/jobs/${id}/logs`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.supported).toBe(true);
    expect(res.body.lines.map((l) => [l.level, l.msg, l.attempt])).toEqual([
      ['info', 'starting 7', 1],
      ['info', 'half way {"step":2,"of":3}', 1],
      ['warn', 'careful', 1],
    ]);
    expect((await http(server, 'GET', '/v1/jobs/nope/logs')).status).toBe(404);
  });
});

describe('GET /v1/jobs/:id', () => {
  it('GET /v1/jobs/:id - unknown id is 404; a malformed id or query is 400', async () => {
    expectError(await http(server, 'GET', `/v1/jobs/${uniq('missing')}`), 404, 'not_found', /missing/);
    expectError(await http(server, 'GET', `/v1/jobs/${'x'.repeat(300)}`), 400, 'bad_request', /longer than 256/);
    expectError(await http(server, 'GET', `/v1/jobs/${'x'.repeat(250)}%01`), 400, 'bad_request', /path\.id/);
    const id = await enqueue(uniq('nobody'), []);
    expectError(await http(server, 'GET', `/v1/jobs/${id}?verbose=1`), 400, 'bad_request', /verbose/);
  });

  it('GET /v1/jobs/:id - a finished job has its result, attempt and timestamps', async () => {
    const id = await enqueue('add', [20, 22]);
    await terminal(id);
    const job = await http(server, 'GET', `/v1/jobs/${id}`);
    expect(job.body).toMatchObject({ id, task: 'add', status: 'succeeded', result: 42, attempt: 1, error: null });
    expect(job.body.finishedAt).toBeGreaterThanOrEqual(job.body.startedAt);
  });
});

describe('POST /v1/jobs?wait=ms (enqueue and wait in one request)', () => {
  it('answers 200 with the ended job: a result, or a failure', async () => {
    const ok = await http(server, 'POST', '/v1/jobs?wait=10000', { body: { task: 'add', args: [40, 2] } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ status: 'succeeded', result: 42, task: 'add' });
    expect(await terminal(ok.body.id)).toMatchObject({ id: ok.body.id, result: 42 });
    const failed = await http(server, 'POST', '/v1/jobs?wait=10000', {
      body: { task: 'boom', args: ['no'], options: { retries: 0 } },
    });
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('no') } });
  });

  it('answers 201 with the receipt when the job outlives the wait; the job goes on', async () => {
    const started = Date.now();
    const res = await http(server, 'POST', '/v1/jobs?wait=200', { body: { task: 'sleepy', args: [1500, uniq()] } });
    expect(res.status, res.text).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'status']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(await terminal(res.body.id)).toMatchObject({ status: 'succeeded' });
  });

  it('a duplicate key waits on the live job and says so; wait=0 answers at once', async () => {
    const key = uniq('k');
    const first = await http(server, 'POST', '/v1/jobs?wait=0', {
      body: { task: 'sleepy', args: [300, uniq()], options: { key } },
    });
    expect(first.status, first.text).toBe(201);
    const again = await http(server, 'POST', '/v1/jobs?wait=10000', {
      body: { task: 'sleepy', args: [300, uniq()], options: { key } },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'succeeded', duplicate: true });
  });

  it('a wait over the long-poll cap is shortened, not refused; bad waits and batches with wait are 400, nothing enqueued', async () => {
    const long = await http(server, 'POST', '/v1/jobs?wait=600000', { body: { task: 'add', args: [1, 1] } });
    expect(long.status, long.text).toBe(200);
    expect(long.body.result).toBe(2);
    const task = uniq('nobody');
    expectError(
      await http(server, 'POST', '/v1/jobs?wait=soon', { body: { task, args: [] } }),
      400,
      'bad_request',
      /query\.wait/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs?wait=-1', { body: { task, args: [] } }),
      400,
      'bad_request',
      /query\.wait/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs?wait=100', { body: [{ task, args: [] }] }),
      400,
      'bad_request',
      /query\.wait/,
    );
    expectError(
      await http(server, 'POST', '/v1/jobs?later=1', { body: { task, args: [] } }),
      400,
      'bad_request',
      /later/,
    );
    expect(await queueNames()).not.toContain(task);
  });
});

describe('GET /v1/jobs/:id/result', () => {
  it('GET /v1/jobs/:id/result - long-polls until terminal: 200 with the result', async () => {
    const id = await enqueue('sleepy', [200, uniq()]);
    const started = Date.now();
    const res = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=10000`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'succeeded', result: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('GET /v1/jobs/:id/result - 202 with the job while it still runs after the timeout', async () => {
    const id = await enqueue('sleepy', [3000, uniq()]);
    const started = Date.now();
    const res = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=300`);
    expect(res.status).toBe(202);
    expect(['queued', 'active']).toContain(res.body.status);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const now = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=0`);
    expect(now.status).toBe(202);
  });

  it('GET /v1/jobs/:id/result - timeout above the 60 s cap or not a number is 400; unknown id is 404', async () => {
    const id = await enqueue(uniq('nobody'), []);
    expectError(
      await http(server, 'GET', `/v1/jobs/${id}/result?timeout=600000`),
      400,
      'bad_request',
      /query\.timeout/,
    );
    expectError(await http(server, 'GET', `/v1/jobs/${id}/result?timeout=soon`), 400, 'bad_request', /query\.timeout/);
    expectError(await http(server, 'GET', `/v1/jobs/${id}/result?timeout=-1`), 400, 'bad_request', /query\.timeout/);
    expectError(await http(server, 'GET', `/v1/jobs/${uniq('missing')}/result?timeout=10`), 404, 'not_found');
  });
});

/** Reads a whole event stream: [{ id, event, data }]. */
async function readEvents(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; events: { id: number; event: string; data: Loose }[] }> {
  const response = await fetch(server.url + path, { headers, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const field = (name: string): string =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}:`))!
          .slice(name.length + 1)
          .trim();
      const data: Loose = JSON.parse(field('data'));
      return { id: Number(field('id')), event: field('event'), data };
    });
  return { status: response.status, type: response.headers.get('content-type'), events };
}

describe('GET /v1/jobs/:id/events', () => {
  it('GET /v1/jobs/:id/events - one event per report, in order, ending after the terminal one (with a retry)', async () => {
    const id = await enqueue('flakyOnce', [uniq('key')], {
      retries: 1,
      backoff: { type: 'fixed', delay: 50, jitter: false },
    });
    const { status, type, events } = await readEvents(`/v1/jobs/${id}/events`);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(events.map((e) => e.event)).toEqual(['queued', 'active', 'retrying', 'active', 'succeeded']);
    expect(events.map((e) => e.id)).toEqual([0, 1, 2, 3, 4]);
    expect(events.map((e): unknown => e.data.attempt)).toEqual([0, 1, 1, 2, 2]);
    expect(events[2]!.data.error.message).toMatch(/first attempt/);
    for (const e of events) expect(e.data).toMatchObject({ jobId: id, status: e.event, at: expect.any(Number) });
  });

  it('GET /v1/jobs/:id/events - history first, then live reports of a running job', async () => {
    const id = await enqueue('sleepy', [400, uniq()]);
    const { events } = await readEvents(`/v1/jobs/${id}/events`);
    expect(events.map((e) => e.event)).toEqual(['queued', 'active', 'succeeded']);
  });

  it('GET /v1/jobs/:id/events - Last-Event-ID resumes after that event; 204 once everything was seen', async () => {
    const id = await enqueue('add', [1, 1]);
    await terminal(id);
    const resumed = await readEvents(`/v1/jobs/${id}/events`, { 'last-event-id': '0' });
    expect(resumed.events.map((e) => e.event)).toEqual(['active', 'succeeded']);
    const done = await fetch(`${server.url}/v1/jobs/${id}/events`, { headers: { 'last-event-id': '2' } });
    expect(done.status).toBe(204);
    expectError(
      await http(server, 'GET', `/v1/jobs/${id}/events`, { headers: { 'last-event-id': 'x' } }),
      400,
      'bad_request',
      /Last-Event-ID/,
    );
  });

  it('GET /v1/jobs/:id/events - unknown id is 404; a client that goes away does not hurt the server', async () => {
    expectError(await http(server, 'GET', `/v1/jobs/${uniq('missing')}/events`), 404, 'not_found');
    const id = await enqueue(uniq('nobody'), []);
    for (let i = 0; i < 5; i++) {
      const stop = new AbortController();
      const response = await fetch(`${server.url}/v1/jobs/${id}/events`, { signal: stop.signal });
      expect(response.status).toBe(200);
      stop.abort();
    }
    expect((await http(server, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('DELETE /v1/jobs/:id', () => {
  it('DELETE /v1/jobs/:id - a queued job is cancelled; again is 409; unknown is 404', async () => {
    const id = await enqueue(uniq('nobody'), []);
    const res = await http(server, 'DELETE', `/v1/jobs/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id, status: 'cancelled', wasRunning: false });
    expect((await http(server, 'GET', `/v1/jobs/${id}`)).body.status).toBe('cancelled');
    expectError(await http(server, 'DELETE', `/v1/jobs/${id}`), 409, 'conflict', /already finished/);
    expectError(await http(server, 'DELETE', `/v1/jobs/${uniq('missing')}`), 404, 'not_found');
  });

  it('DELETE /v1/jobs/:id - a running job is aborted and ends cancelled', async () => {
    const id = await enqueue('sleepy', [5000, uniq()]);
    await eventually(async () => (await http(server, 'GET', `/v1/jobs/${id}`)).body.status === 'active');
    const res = await http(server, 'DELETE', `/v1/jobs/${id}`);
    expect(res.body).toEqual({ id, status: 'cancelled', wasRunning: true });
    expect((await terminal(id)).status).toBe('cancelled');
  });
});

describe('dead letters: GET /v1/jobs?status=failed and POST /v1/jobs/:id/retry', () => {
  it('GET /v1/jobs?status=failed - lists failed jobs with their last error; POST /v1/jobs/:id/retry re-runs one', async () => {
    const key = uniq('dead');
    const id = await enqueue('flakyOnce', [key], { retries: 0 });
    const failed = await terminal(id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { message: expect.stringMatching(/first attempt/) },
    });
    const list = await http(server, 'GET', '/v1/jobs?status=failed&limit=1000');
    expect(list.status).toBe(200);
    expect(list.body.jobs.map((j: { id: string }) => j.id)).toContain(id);
    const retried = await http(server, 'POST', `/v1/jobs/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id, status: 'queued' });
    expect(await terminal(id)).toMatchObject({ status: 'succeeded', result: key });
  });

  it('POST /v1/jobs/:id/retry - a job that did not fail is 409; unknown is 404; a body is refused', async () => {
    const id = await enqueue('add', [2, 2]);
    await terminal(id);
    expectError(await http(server, 'POST', `/v1/jobs/${id}/retry`), 409, 'conflict', /succeeded/);
    expectError(await http(server, 'POST', `/v1/jobs/${uniq('missing')}/retry`), 404, 'not_found');
    expectError(await http(server, 'POST', `/v1/jobs/${id}/retry`, { body: { now: true } }), 400, 'bad_request', /now/);
  });

  it('GET /v1/jobs - pages with limit and cursor, filtered by queue and status', async () => {
    const queue = uniq('q');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await enqueue(uniq('nobody'), [i], { queue }));
    for (const id of ids) expect((await http(server, 'DELETE', `/v1/jobs/${id}`)).status).toBe(200);
    const first = await http(server, 'GET', `/v1/jobs?status=cancelled&queue=${queue}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.jobs).toHaveLength(2);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await http(
      server,
      'GET',
      `/v1/jobs?status=cancelled&queue=${queue}&limit=2&cursor=${encodeURIComponent(first.body.next)}`,
    );
    expect(second.body.jobs).toHaveLength(1);
    expect(second.body.next).toBeNull();
    const seen = [...first.body.jobs, ...second.body.jobs].map((j: { id: string }) => j.id);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('GET /v1/jobs - a bad status, limit or unknown parameter is 400', async () => {
    expectError(await http(server, 'GET', '/v1/jobs?status=lost'), 400, 'bad_request', /query\.status/);
    expectError(await http(server, 'GET', '/v1/jobs?limit=0'), 400, 'bad_request', /query\.limit/);
    expectError(await http(server, 'GET', '/v1/jobs?limit=1001'), 400, 'bad_request', /query\.limit/);
    expectError(await http(server, 'GET', '/v1/jobs?limit=ten'), 400, 'bad_request', /query\.limit/);
    expectError(await http(server, 'GET', '/v1/jobs?sort=asc'), 400, 'bad_request', /sort/);
  });
});

describe('inspection and operations', () => {
  it('GET /v1/queues - per queue: waiting, active, delayed, succeeded, failed, paused, limited', async () => {
    const task = uniq('nobody');
    await enqueue(task, []);
    await enqueue(task, [], { delay: 60_000 });
    const res = await http(server, 'GET', '/v1/queues');
    expect(res.status).toBe(200);
    expect(res.body.queues.find((q: { queue: string }) => q.queue === task)).toEqual({
      queue: task,
      waiting: 1,
      active: 0,
      delayed: 1,
      succeeded: 0,
      failed: 0,
      paused: false,
      limited: 0,
    });
    expectError(await http(server, 'GET', '/v1/queues?all=1'), 400, 'bad_request');
  });

  it('GET /v1/workers - the connected remote workers and the in-server herd', async () => {
    const res = await http(server, 'GET', '/v1/workers');
    expect(res.status).toBe(200);
    expect(res.body.workers).toEqual([]);
    expect(res.body.herd).toMatchObject({ concurrency: 4, tasks: expect.arrayContaining(['add', 'sleepy']) });
  });

  it('GET /metrics - Prometheus text with the §6 metrics', async () => {
    const id = await enqueue('add', [1, 2]);
    await terminal(id);
    const res = await http(server, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metric(res.text, 'drover_job_success_total{task="add"}')).toBeGreaterThanOrEqual(1);
    expect(metric(res.text, 'drover_herd_size')).toBe(4);
    for (const name of [
      'drover_job_retry_total',
      'drover_job_failure_total',
      'drover_job_duration_seconds',
      'drover_queue_depth',
      'drover_jobs_active',
      'drover_workers_connected',
    ]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
    expect(metric(res.text, 'drover_queue_depth{queue="add",state="succeeded"}')).toBeGreaterThanOrEqual(1);
  });

  it('GET /healthz - 200 {"ok":true}; unknown routes are 404 in the error shape', async () => {
    const res = await http(server, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expectError(await http(server, 'GET', '/v2/nothing'), 404, 'not_found');
    expectError(await http(server, 'PUT', '/v1/jobs'), 404, 'not_found');
  });

  it('GET / - the dashboard page, its script and styles, with a content security policy that allows nothing external', async () => {
    const page = await http(server, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/connect-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(page.text).toContain('<script src="/dashboard.js"></script>');
    expect(page.text).not.toMatch(/<script>|<style>| style=| on[a-z]+=/);
    const script = await http(server, 'GET', '/dashboard.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.text).toContain('/v1/events');
    expect(script.text).not.toContain('innerHTML');
    const etag = script.headers.get('etag')!;
    expect((await http(server, 'GET', '/dashboard.js', { headers: { 'if-none-match': etag } })).status).toBe(304);
    const css = await http(server, 'GET', '/assets/dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.text).toContain('.uplot');
    expect((await http(server, 'GET', '/assets/favicon.svg')).headers.get('content-type')).toMatch(/^image\/svg/);
    expect((await http(server, 'GET', '/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await http(server, 'GET', '/assets/nothing.js')).status).toBe(404);
  });

  it('upgrade requests - only /v1/workers/ws is taken; other paths are refused', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((done, fail) => {
      const req = request(`${server.url}/v1/elsewhere`, { headers: { connection: 'upgrade', upgrade: 'websocket' } });
      req.on('response', (res) => done(res.statusCode ?? 0));
      req.on('upgrade', () => fail(new Error('upgraded')));
      req.on('error', fail);
      req.end();
    });
    expect(status).toBe(404);
  });
});
