/**
 * The HTTP API's reference (item 14): the OpenAPI 3.1 document the server
 * serves is generated from its route schemas and equals docs/openapi.json;
 * every route is in it with its access; `/result` has a documented default
 * wait; `GET /v1/jobs` without `status` lists every status, newest first;
 * a body that is not JSON is 415; `PATCH /herd` is capped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESULT_TIMEOUT_MS } from '../../src/server/limits.js';
import type { TestServer } from '../security/helpers.js';
import { request, startTestServer } from '../security/helpers.js';

let target: TestServer;

beforeAll(async () => {
  target = await startTestServer({
    concurrency: 0,
    setup: (app) => app.task('idle', () => 1),
  });
});

afterAll(async () => {
  await target.close();
});

type Doc = {
  paths: Record<
    string,
    Record<string, { security?: unknown[]; parameters?: { name: string; schema: { default?: unknown } }[] }>
  >;
};

describe('OpenAPI document (item 14)', () => {
  it('GET /v1/openapi.json equals docs/openapi.json (regenerate it when a route schema changes)', async () => {
    const served = await request(target, 'GET', '/v1/openapi.json');
    expect(served.status).toBe(200);
    // To regenerate: DROVER_WRITE_OPENAPI=1 npx vitest run test/integration/server-openapi.test.ts && npx prettier --write docs/openapi.json
    if (process.env.DROVER_WRITE_OPENAPI === '1') writeFileSync('docs/openapi.json', `${served.text}\n`);
    const checkedIn: unknown = JSON.parse(readFileSync('docs/openapi.json', 'utf8'));
    expect(served.body).toEqual(checkedIn);
    expect(served.body.openapi).toBe('3.1.0');
  });

  it('every route the server registers is documented, with its access', async () => {
    const doc = (await request(target, 'GET', '/v1/openapi.json')).body as Doc;
    const dashboard = new Set(['GET /', 'GET /dashboard.js', 'GET /assets/:file']);
    for (const route of await target.server.routes()) {
      const key = `${route.method} ${route.url}`;
      if (dashboard.has(key)) continue;
      const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(op, `${key} is not in docs/openapi.json`).toBeDefined();
      if (route.access === 'public') expect(op!.security, key).toEqual([]);
      else if (route.access === 'metrics') expect(op!.security, key).toEqual([{}, { bearer: [] }]);
      else expect(op!.security, key).toBeUndefined();
    }
  });

  it('/v1/jobs/{id}/result documents its default wait', async () => {
    const doc = (await request(target, 'GET', '/v1/openapi.json')).body as Doc;
    const timeout = doc.paths['/v1/jobs/{id}/result']!.get!.parameters!.find((p) => p.name === 'timeout')!;
    expect(timeout.schema.default).toBe(DEFAULT_RESULT_TIMEOUT_MS);
  });
});

describe('GET /v1/jobs without status (item 14)', () => {
  it('lists jobs of every status, newest first', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const post = async (body: unknown) => (await request(target, 'POST', '/v1/jobs', { body })).body.id as string;
    const a = await post({ task: 'idle', args: [] });
    await sleep(5);
    const b = await post({ task: 'idle', args: [] });
    await sleep(5);
    const c = await post({ task: 'idle', args: [], options: { delay: 60_000 } });
    expect((await request(target, 'DELETE', `/v1/jobs/${b}`)).status).toBe(200);
    const res = await request(target, 'GET', '/v1/jobs');
    expect(res.status).toBe(200);
    expect(res.body.jobs.map((j: { id: string; status: string }) => [j.id, j.status])).toEqual([
      [c, 'delayed'],
      [b, 'cancelled'],
      [a, 'queued'],
    ]);
    expect(res.body.next).toBeNull();
    const paged = await request(target, 'GET', '/v1/jobs?limit=2');
    expect(paged.body.jobs).toHaveLength(2);
    const rest = await request(target, 'GET', `/v1/jobs?limit=2&cursor=${paged.body.next as string}`);
    expect(rest.body.jobs.map((j: { id: string }) => j.id)).toEqual([a]);
    expect((await request(target, 'GET', '/v1/jobs?cursor=garbage')).status).toBe(400);
  });
});

describe('GET /v1/jobs paging', () => {
  it('150 small jobs paged 7 at a time, with and without status: every job once, newest first', async () => {
    const target2 = await startTestServer();
    try {
      const made = await request(target2, 'POST', '/v1/jobs', {
        body: Array.from({ length: 150 }, (_, i) => ({ task: 'small', args: [i] })),
      });
      const ids = (made.body as { id: string }[]).map((j) => j.id);
      for (const status of ['', 'status=queued&']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res = await request(target2, 'GET', `/v1/jobs?${status}limit=7${cursor ? `&cursor=${cursor}` : ''}`);
          expect(res.status, res.text).toBe(200);
          expect(res.body.jobs.length).toBeLessThanOrEqual(7);
          seen.push(...res.body.jobs.map((j: { id: string }) => j.id));
          cursor = res.body.next as string | null;
        } while (cursor !== null);
        expect(seen).toEqual([...ids].reverse());
      }
    } finally {
      await target2.close();
    }
  });
});

describe('smaller refusals (item 8)', () => {
  it('a text/plain job body is 415, as documented', async () => {
    const res = await request(target, 'POST', '/v1/jobs', {
      body: '{"task":"idle","args":[]}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('PATCH /herd is capped at limits.herdSize (1,000 by default); gofherd text bodies still work', async () => {
    const big = await request(target, 'PATCH', '/herd', { body: { num: 100_000 } });
    expect(big.status).toBe(400);
    expect(big.body.error.message).toMatch(/body\.num/);
    const ok = await request(target, 'PATCH', '/herd', {
      body: '{"num": 3}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(ok.body).toEqual({ num: 3 });
    await request(target, 'PATCH', '/herd', { body: { num: 0 } });
  });
});
