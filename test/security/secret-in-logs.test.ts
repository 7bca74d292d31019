/**
 * docs/reliability.md S26: the secret sent where it does not belong — a
 * query string, Basic auth, a cookie, a WebSocket upgrade URL — is refused,
 * and no log line ever carries it, even at debug level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TestServer } from './helpers.js';
import { SECRET, request, startTestServer } from './helpers.js';

let target: TestServer;

beforeAll(async () => {
  target = await startTestServer({ secret: SECRET, limits: { authFailures: 1000 } });
});

afterAll(async () => {
  await target.close();
  // After everything (shutdown lines included), the secret is in no log line.
  expect(target.log()).not.toContain(SECRET);
});

describe('the secret in the wrong place (S26)', () => {
  it('GET /v1/queues?token=<secret> - refused 401; the log names the path, never the query', async () => {
    for (const path of [`/v1/queues?token=${SECRET}`, `/v1/jobs?status=failed&secret=${encodeURIComponent(SECRET)}`]) {
      const res = await request(target, 'GET', path);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(SECRET);
    }
    const refused = target.lines().filter((l) => l.msg.includes('bearer token'));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ path: '/v1/queues' });
    expect(target.log()).not.toContain(SECRET);
  });

  it('Basic auth, a cookie and an X-Api-Key header carrying the secret - refused 401, not logged', async () => {
    const basic = Buffer.from(`drover:${SECRET}`).toString('base64');
    for (const headers of [
      { authorization: `Basic ${basic}` },
      { authorization: `Basic ${SECRET}` },
      { cookie: `token=${SECRET}` },
      { 'x-api-key': SECRET },
    ]) {
      const res = await request(target, 'POST', '/v1/jobs', { headers, body: { task: 'add', args: [1, 2] } });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.text).not.toContain(SECRET);
    }
    expect(target.log()).not.toContain(SECRET);
    expect(target.log()).not.toContain(basic);
  });

  it('an error answered with the right token logs the path only (debug level included)', async () => {
    const res = await request(target, 'GET', `/v1/jobs/nope?x=${SECRET}`, { token: SECRET });
    expect(res.status).toBe(400);
    const res404 = await request(target, 'GET', `/v1/nowhere?x=${SECRET}`, { token: SECRET });
    expect(res404.status).toBe(404);
    expect(res404.text).not.toContain(SECRET);
    expect(target.log()).not.toContain(SECRET);
  });

  it('a WebSocket upgrade with the secret in its URL - no log line carries it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${target.port}/v1/workers/ws?secret=${SECRET}`);
    const code = await new Promise<number>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', workerId: 'x', clientNonce: 'y', proof: SECRET })));
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => resolve(-1));
    });
    expect([4401, -1]).toContain(code);
    expect(target.log()).not.toContain(SECRET);
  });
});
