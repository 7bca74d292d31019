/**
 * `POST /v1/flows` on the real `drover server` (child process, SQLite store,
 * a herd inside): a flow started over HTTP, followed and steered through the
 * `/v1/jobs/:id` routes with its id (docs/http.md, "Flows").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose, ServerProcess } from './server-harness.js';
import { eventually, http, startServer, stopAll, uniq } from './server-harness.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ concurrency: 4 });
});

afterAll(async () => {
  await stopAll();
});

async function start(body: unknown): Promise<string> {
  const res = await http(server, 'POST', '/v1/flows', { body });
  expect(res.status, res.text).toBe(201);
  expect(res.body).toEqual({ id: expect.any(String), status: 'active' });
  return res.body.id as string;
}

async function terminal(id: string): Promise<Loose> {
  const res = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=10000`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe('POST /v1/flows', () => {
  it('a chain: 201 {id, status}; view, result and events of the flow by its id; steps carry flowId', async () => {
    const id = await start({
      chain: [
        { task: 'add', args: [1, 1] },
        { task: 'add', args: [3] },
      ],
    });
    const done = await terminal(id);
    expect(done).toMatchObject({ id, task: 'chain', queue: 'drover.flows', status: 'succeeded', result: 5 });
    const step = await http(server, 'GET', `/v1/jobs/${id}.1`);
    expect(step.body).toMatchObject({ task: 'add', args: [2, 3], status: 'succeeded', flowId: id });
    expect((await http(server, 'GET', `/v1/jobs/${id}`)).body.flowId).toBeNull();
    const events = await http(server, 'GET', `/v1/jobs/${id}/events`);
    expect(events.status).toBe(200);
    expect(events.text).toMatch(/queued[\s\S]*active[\s\S]*succeeded/);
  });

  it('a group and a chord, nested: results in order', async () => {
    const group = await start({ group: [{ task: 'add', args: [1, 1] }, { chain: [{ task: 'add', args: [2, 2] }] }] });
    expect((await terminal(group)).result).toEqual([2, 4]);
    const chord = await start({
      chord: {
        group: [
          { task: 'add', args: [1, 1] },
          { task: 'add', args: [2, 2] },
        ],
        callback: { task: 'add', args: [0] },
      },
    });
    // add([2, 4], 0): the callback gets the array first (JavaScript's + makes it "2,40").
    expect((await terminal(chord)).result).toBe('2,40');
  });

  it('a failing step fails the flow; POST /v1/jobs/:id/retry re-runs it and the flow continues', async () => {
    const key = uniq('flaky');
    const id = await start({
      chain: [
        { task: 'flakyOnce', args: [key], options: { retries: 0 } },
        { task: 'add', args: ['!'] },
      ],
    });
    const failed = await terminal(id);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toBe(`step flakyOnce (job ${id}.0) failed: first attempt for ${key} fails`);
    const retried = await http(server, 'POST', `/v1/jobs/${id}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.status).toBe('active');
    expect(await terminal(id)).toMatchObject({ status: 'succeeded', result: `${key}!` });
  });

  it('DELETE /v1/jobs/:id of a flow cancels it and its running step', async () => {
    const id = await start({
      chain: [
        { task: 'sleepy', args: [10_000] },
        { task: 'add', args: [1] },
      ],
    });
    await eventually(async () => (await http(server, 'GET', `/v1/jobs/${id}.0`)).body.status === 'active');
    const res = await http(server, 'DELETE', `/v1/jobs/${id}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ id, status: 'cancelled', wasRunning: true });
    expect((await http(server, 'GET', `/v1/jobs/${id}.0`)).body.status).toBe('cancelled');
    expect((await http(server, 'GET', `/v1/jobs/${id}.1`)).status).toBe(404);
  });

  it('bad input: 400 naming the path', async () => {
    const cases: [unknown, RegExp][] = [
      [{ chain: [{ task: 'add', args: [1, 1] }, { task: 7 }] }, /^body\.chain\[1\]\.task: /],
      [{ chord: { group: [{ task: 'add' }] } }, /^body\.chord\.callback: expected a step/],
      [{ group: [] }, /^body\.group: expected a non-empty array/],
      [{ chain: [{ task: 'add', options: { retries: -1 } }] }, /^body\.chain\[0\]\.options\.retries/],
      [{ chain: [{ task: 'add', options: { key: 'k' } }] }, /`key`/],
      [{ pipeline: [] }, /^body: expected a step/],
    ];
    for (const [body, message] of cases) {
      const res = await http(server, 'POST', '/v1/flows', { body });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
  });
});
