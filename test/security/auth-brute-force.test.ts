/**
 * docs/reliability.md S16: brute force on the bearer token. Failures are
 * throttled per client address (429 + Retry-After), behind a trusted proxy
 * per forwarded address; the log gets one line per address and a summary,
 * not one line per attempt; others are unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers.js';
import { SECRET, request, startTestServer } from './helpers.js';

let direct: TestServer;
let proxied: TestServer;

beforeAll(async () => {
  [direct, proxied] = await Promise.all([
    startTestServer({ secret: SECRET }),
    startTestServer({ secret: SECRET, trustedProxies: ['127.0.0.1'] }),
  ]);
});

afterAll(async () => {
  await Promise.all([direct.close(), proxied.close()]);
  expect(direct.log()).not.toContain(SECRET);
});

describe('bearer-token brute force (S16)', () => {
  it('1,000 wrong tokens from one address - 429 with Retry-After after 5; at most a few log lines', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          request(direct, 'GET', '/v1/queues', { token: `${SECRET.slice(0, -4)}${String(i + j).padStart(4, '0')}` }),
        ),
      );
      statuses.push(...batch.map((r) => r.status));
      if (i === 0) {
        const limited = batch.find((r) => r.status === 429)!;
        expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(limited.body.error.code).toBe('too_many_requests');
      }
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(50);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(950);
    const lines = direct.lines().filter((l) => l.level >= 40 && /bearer token/.test(l.msg));
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines[0]).toMatchObject({ ip: expect.any(String), path: '/v1/queues' });
  });

  it('the blocked address gets 429 even with the right token until the block ends', async () => {
    const res = await request(direct, 'GET', '/v1/queues', { token: SECRET });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('behind a trusted proxy, each forwarded address is throttled on its own', async () => {
    const from = (ip: string, token: string) =>
      request(proxied, 'GET', '/v1/queues', { token, headers: { 'x-forwarded-for': `${ip}, 127.0.0.1` } });
    for (let i = 0; i < 8; i++) await from('203.0.113.9', 'wrong-token');
    expect((await from('203.0.113.9', 'wrong-token')).status).toBe(429);
    expect((await from('203.0.113.9', SECRET)).status).toBe(429);
    // Another client behind the same proxy is not punished.
    expect((await from('198.51.100.7', SECRET)).status).toBe(200);
    // /healthz stays open for everyone.
    expect((await request(proxied, 'GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(
      200,
    );
  });
});
