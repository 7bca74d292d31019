/**
 * gofherd's HTTP control of the herd: GET/PATCH /herd on the real server,
 * reflected in `drover_herd_size` and in how many jobs really run at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from './server-harness.js';
import { http, metric, startServer, stopAll, uniq } from './server-harness.js';

let server: ServerProcess;
let noHerd: ServerProcess;

beforeAll(async () => {
  [server, noHerd] = await Promise.all([startServer({ concurrency: 2 }), startServer()]);
});

afterAll(async () => {
  await stopAll();
});

/** Runs `count` sleepy jobs and returns the most that ran at once (as the jobs saw it). */
async function mostAtOnce(count: number, ms: number): Promise<number> {
  const tag = uniq();
  const res = await http(server, 'POST', '/v1/jobs', {
    body: Array.from({ length: count }, (_, i) => ({ task: 'sleepy', args: [ms, `${tag}-${i}`] })),
  });
  expect(res.status).toBe(201);
  const ids = (res.body as { id: string }[]).map((j) => j.id);
  let most = 0;
  for (const id of ids) {
    const done = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=20000`);
    expect(done.body.status).toBe('succeeded');
    most = Math.max(most, done.body.result as number);
  }
  return most;
}

async function herdSizeMetric(target: ServerProcess): Promise<number | undefined> {
  return metric((await http(target, 'GET', '/metrics')).text, 'drover_herd_size');
}

describe('GET /herd and PATCH /herd', () => {
  it('GET /herd - {"num": N} is the in-server herd size, as drover_herd_size', async () => {
    expect((await http(server, 'GET', '/herd')).body).toEqual({ num: 2 });
    expect(await herdSizeMetric(server)).toBe(2);
  });

  it('PATCH /herd - resizes the herd live: drover_herd_size and the jobs running at once follow', async () => {
    await http(server, 'PATCH', '/herd', { body: { num: 2 } });
    expect(await mostAtOnce(8, 200)).toBe(2);
    const res = await http(server, 'PATCH', '/herd', { body: { num: 6 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ num: 6 });
    expect(await herdSizeMetric(server)).toBe(6);
    expect((await http(server, 'GET', '/herd')).body).toEqual({ num: 6 });
    const most = await mostAtOnce(18, 300);
    expect(most).toBeGreaterThan(2);
    expect(most).toBeLessThanOrEqual(6);
  });

  it('PATCH /herd - {"num": 0} pauses the herd; growing it again runs what waited', async () => {
    await http(server, 'PATCH', '/herd', { body: { num: 0 } });
    expect(await herdSizeMetric(server)).toBe(0);
    const res = await http(server, 'POST', '/v1/jobs', { body: { task: 'add', args: [40, 2] } });
    const id = res.body.id as string;
    await new Promise((done) => setTimeout(done, 500));
    expect((await http(server, 'GET', `/v1/jobs/${id}`)).body.status).toBe('queued');
    await http(server, 'PATCH', '/herd', { body: { num: 1 } });
    const done = await http(server, 'GET', `/v1/jobs/${id}/result?timeout=10000`);
    expect(done.body).toMatchObject({ status: 'succeeded', result: 42 });
  });

  it("PATCH /herd - gofherd's curl -d '{\"num\": 3}' (form content type) works too", async () => {
    const res = await http(server, 'PATCH', '/herd', {
      body: '{"num": 3}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ num: 3 });
    expect(await herdSizeMetric(server)).toBe(3);
  });

  it('PATCH /herd - bad bodies are 400s naming the problem; the size does not change', async () => {
    await http(server, 'PATCH', '/herd', { body: { num: 3 } });
    const bad: [unknown, RegExp | string][] = [
      [{ num: -1 }, /body\.num/],
      [{ num: '5' }, /body\.num/],
      [{ num: 1.5 }, /body\.num/],
      [{ num: 100_001 }, /body\.num/],
      [{ size: 5 }, /body\.num|size/],
      ['{"num": ', 'bad_json'],
      ['{"num": 5, "__proto__": {"x": 1}}', 'forbidden_key'],
    ];
    for (const [body, expected] of bad) {
      const res = await http(server, 'PATCH', '/herd', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      if (typeof expected === 'string') expect(res.body.error.code).toBe(expected);
      else expect(res.body.error.message).toMatch(expected);
    }
    expect((await http(server, 'GET', '/herd')).body).toEqual({ num: 3 });
  });

  it('PATCH /herd - 409 no_herd on a server started without --tasks; GET says 0', async () => {
    expect((await http(noHerd, 'GET', '/herd')).body).toEqual({ num: 0 });
    const res = await http(noHerd, 'PATCH', '/herd', { body: { num: 4 } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_herd');
  });
});
