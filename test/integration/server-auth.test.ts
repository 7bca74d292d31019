/**
 * S18 / G7: with a secret, every route but /healthz (and /metrics unless
 * --protect-metrics) answers 401 without the right bearer token, and does
 * nothing. The table below must list every route the server has: a route
 * added without an entry here fails the first test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Drover } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import type { Answer, ServerProcess } from './server-harness.js';
import { SECRET, http, metric, startServer, stopAll, uniq } from './server-harness.js';

type Access = 'protected' | 'metrics' | 'public';

/** Every route, how to call it, and who may. `:id` is replaced by a queued job's id. */
const ROUTES: Record<string, { access: Access; path: string; body?: unknown }> = {
  'POST /v1/jobs': { access: 'protected', path: '/v1/jobs', body: { task: 'add', args: [1, 2] } },
  'POST /v1/flows': { access: 'protected', path: '/v1/flows', body: { chain: [{ task: 'add', args: [1, 2] }] } },
  'GET /v1/jobs': { access: 'protected', path: '/v1/jobs?status=failed' },
  'GET /v1/jobs/:id': { access: 'protected', path: '/v1/jobs/:id' },
  'DELETE /v1/jobs/:id': { access: 'protected', path: '/v1/jobs/:id' },
  'POST /v1/jobs/:id/retry': { access: 'protected', path: '/v1/jobs/:id/retry' },
  'GET /v1/jobs/:id/result': { access: 'protected', path: '/v1/jobs/:id/result?timeout=0' },
  'GET /v1/jobs/:id/events': { access: 'protected', path: '/v1/jobs/:id/events' },
  'GET /v1/jobs/:id/logs': { access: 'protected', path: '/v1/jobs/:id/logs' },
  'GET /v1/events': { access: 'protected', path: '/v1/events' },
  'GET /v1/queues': { access: 'protected', path: '/v1/queues' },
  'GET /v1/queues/:queue': { access: 'protected', path: '/v1/queues/auth-probe' },
  'PATCH /v1/queues/:queue': { access: 'protected', path: '/v1/queues/auth-probe', body: { groupConcurrency: 2 } },
  'POST /v1/queues/:queue/pause': { access: 'protected', path: '/v1/queues/auth-probe/pause' },
  'POST /v1/queues/:queue/resume': { access: 'protected', path: '/v1/queues/auth-probe/resume' },
  'POST /v1/queues/:queue/drain': { access: 'protected', path: '/v1/queues/auth-probe/drain' },
  'POST /v1/queues/:queue/retry-failed': { access: 'protected', path: '/v1/queues/auth-probe/retry-failed' },
  'POST /v1/queues/:queue/purge': { access: 'protected', path: '/v1/queues/auth-probe/purge', body: { olderThan: 0 } },
  'GET /v1/workers': { access: 'protected', path: '/v1/workers' },
  'GET /v1/schedules': { access: 'protected', path: '/v1/schedules' },
  'PUT /v1/schedules/:name': {
    access: 'protected',
    path: '/v1/schedules/auth-yearly',
    body: { cron: '0 0 1 1 *', task: 'add', args: [1, 2] },
  },
  'DELETE /v1/schedules/:name': { access: 'protected', path: '/v1/schedules/auth-unknown' },
  'POST /v1/schedules/:name/pause': { access: 'protected', path: '/v1/schedules/auth-unknown/pause' },
  'POST /v1/schedules/:name/resume': { access: 'protected', path: '/v1/schedules/auth-unknown/resume' },
  'GET /v1/openapi.json': { access: 'protected', path: '/v1/openapi.json' },
  'GET /herd': { access: 'protected', path: '/herd' },
  'PATCH /herd': { access: 'protected', path: '/herd', body: { num: 7 } },
  'GET /metrics': { access: 'metrics', path: '/metrics' },
  'GET /healthz': { access: 'public', path: '/healthz' },
  'GET /': { access: 'public', path: '/' },
  'GET /dashboard.js': { access: 'public', path: '/dashboard.js' },
  'GET /assets/:file': { access: 'public', path: '/assets/dashboard.css' },
};

const WRONG = [
  { name: 'no Authorization header', header: undefined },
  { name: 'a wrong token', header: `Bearer ${SECRET.slice(0, -1)}x` },
  { name: 'a longer token', header: `Bearer ${SECRET}0` },
  { name: 'the secret under another scheme', header: `Basic ${SECRET}` },
  { name: 'an empty bearer', header: 'Bearer ' },
] as const;

let server: ServerProcess;
let metricsServer: ServerProcess;

beforeAll(async () => {
  [server, metricsServer] = await Promise.all([
    startServer({ concurrency: 0, secret: SECRET, args: ['--trusted-proxy', '127.0.0.1'] }),
    startServer({ secret: SECRET, args: ['--protect-metrics', '--trusted-proxy', '127.0.0.1'] }),
  ]);
});

// After every auth test: the secret is in no line either server logged (S26).
afterEach(() => {
  expect(server.log()).not.toContain(SECRET);
  expect(metricsServer.log()).not.toContain(SECRET);
});

let clients = 0;
/** A fresh client address per request (the servers trust this test as their proxy), so the failure throttle stays out of the way. */
function client(): Record<string, string> {
  clients++;
  return { 'x-forwarded-for': `10.9.${clients >> 8}.${clients & 255}` };
}

afterAll(async () => {
  await stopAll();
});

async function request(
  target: ServerProcess,
  route: string,
  id: string,
  authorization: string | undefined,
): Promise<Answer> {
  const [method] = route.split(' ');
  const entry = ROUTES[route]!;
  if ((route === 'GET /v1/jobs/:id/events' || route === 'GET /v1/events') && authorization === `Bearer ${SECRET}`) {
    // The stream (of a queued job, or of the server) stays open: look at the status, then hang up.
    const stop = new AbortController();
    const res = await fetch(target.url + entry.path.replace(':id', id), {
      headers: { authorization, ...client() },
      signal: stop.signal,
    });
    stop.abort();
    return { status: res.status, headers: res.headers, body: undefined, text: '' };
  }
  return http(target, method!, entry.path.replace(':id', id), {
    ...(entry.body === undefined ? {} : { body: entry.body }),
    headers: authorization === undefined ? client() : { authorization, ...client() },
  });
}

async function queuedJob(): Promise<string> {
  const res = await http(server, 'POST', '/v1/jobs', { token: SECRET, body: { task: uniq('nobody'), args: [] } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('authentication of every route (S18)', () => {
  it('createServer().routes() - every route of the server is in this test table, with the same access', async () => {
    const app = new Drover({ broker: 'memory:' });
    const inProcess = createServer({ app, port: 0 });
    const routes = Object.fromEntries((await inProcess.routes()).map((r) => [`${r.method} ${r.url}`, r.access]));
    await inProcess.close({ grace: 0 });
    expect(routes).toEqual(Object.fromEntries(Object.entries(ROUTES).map(([route, entry]) => [route, entry.access])));
  });

  for (const route of Object.keys(ROUTES).filter((r) => ROUTES[r]!.access !== 'public')) {
    it(`${route} - 401 without the right bearer token, and no side effect`, async () => {
      const id = await queuedJob();
      const queuesBefore = await http(server, 'GET', '/v1/queues', { token: SECRET });
      const schedulesBefore = await http(server, 'GET', '/v1/schedules', { token: SECRET });
      for (const wrong of WRONG) {
        const res = await request(server, route, id, wrong.header);
        if (ROUTES[route]!.access === 'metrics') {
          expect(res.status, `${wrong.name}: /metrics is open without --protect-metrics`).toBe(200);
          continue;
        }
        expect(res.status, `${wrong.name}: ${res.text}`).toBe(401);
        expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(res.text).not.toContain(SECRET);
      }
      // Nothing changed: the job is still queued, no job was added, the herd kept its size.
      expect((await http(server, 'GET', `/v1/jobs/${id}`, { token: SECRET })).body.status).toBe('queued');
      expect((await http(server, 'GET', '/v1/queues', { token: SECRET })).body).toEqual(queuesBefore.body);
      expect((await http(server, 'GET', '/v1/schedules', { token: SECRET })).body).toEqual(schedulesBefore.body);
      expect((await http(server, 'GET', '/herd', { token: SECRET })).body).toEqual({ num: 0 });
      // With the token the route answers (whatever its own answer is, it is not 401).
      const ok = await request(server, route, id, `Bearer ${SECRET}`);
      expect(ok.status, ok.text).not.toBe(401);
      expect(ok.status).toBeLessThan(500);
      if (route === 'PATCH /herd') await http(server, 'PATCH', '/herd', { token: SECRET, body: { num: 0 } });
    });
  }

  it('GET /healthz, GET /, GET /dashboard.js and GET /assets/:file - open without a token', async () => {
    for (const route of ['GET /healthz', 'GET /', 'GET /dashboard.js', 'GET /assets/:file']) {
      expect((await request(server, route, '', undefined)).status).toBe(200);
    }
  });

  it('GET /metrics - 401 without the token when the server runs with --protect-metrics; /healthz stays open', async () => {
    for (const wrong of WRONG)
      expect((await request(metricsServer, 'GET /metrics', '', wrong.header)).status).toBe(401);
    const ok = await request(metricsServer, 'GET /metrics', '', `Bearer ${SECRET}`);
    expect(ok.status).toBe(200);
    expect(metric(ok.text, 'drover_workers_connected')).toBe(0);
    expect((await request(metricsServer, 'GET /healthz', '', undefined)).status).toBe(200);
  });

  it('unknown routes - 401 without a token (nothing but liveness is open), 404 with it', async () => {
    expect((await http(server, 'GET', '/v1/secret-route', { headers: client() })).status).toBe(401);
    expect((await http(server, 'GET', '/v1/secret-route', { token: SECRET, headers: client() })).status).toBe(404);
  });

  it('createServer() - refuses a secret shorter than 32 bytes and a public host without a secret', () => {
    const app = new Drover({ broker: 'memory:' });
    expect(() => createServer({ app, secret: 'x'.repeat(31) })).toThrow(/at least 32 bytes, got 31/);
    expect(() => createServer({ app, host: '0.0.0.0' })).toThrow(/Refusing to listen on 0\.0\.0\.0 without a secret/);
    expect(() => createServer({ app, host: '0.0.0.0', secret: SECRET })).not.toThrow();
  });
});
