/**
 * docs/reliability.md S25: a server without a secret, reached through a
 * foreign `Host` or `Origin` (DNS rebinding from a web page the user
 * visits), refuses — HTTP 403, WebSocket upgrade 403 — and creates nothing;
 * loopback callers are unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TestServer } from './helpers.js';
import { SECRET, rawRequest, request, startTestServer } from './helpers.js';

let open: TestServer;
let guarded: TestServer;

beforeAll(async () => {
  [open, guarded] = await Promise.all([startTestServer(), startTestServer({ secret: SECRET })]);
});

afterAll(async () => {
  await Promise.all([open.close(), guarded.close()]);
});

const JOB = '{"task":"add","args":[40,2]}';

async function jobCount(target: TestServer): Promise<number> {
  const res = await request(target, 'GET', '/v1/queues', { token: SECRET });
  return (res.body.queues as { waiting: number }[]).reduce((n, q) => n + q.waiting, 0);
}

function upgrade(port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/workers/ws`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.once('error', () => resolve('error'));
  });
}

describe('DNS rebinding on a server without a secret (S25)', () => {
  it('POST /v1/jobs with Host: attacker.example:7400 - 403, no job created', async () => {
    for (const host of ['attacker.example:7400', 'attacker.example', '10.0.0.1:7400', '127.0.0.1.nip.io', '']) {
      const res = await rawRequest(
        open.port,
        `POST /v1/jobs HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json`,
        JOB,
      );
      expect(res.status, host).toBe(403);
    }
    const get = await rawRequest(open.port, 'GET /v1/jobs?status=queued HTTP/1.1\r\nhost: attacker.example');
    expect(get.status).toBe(403);
    expect(get.text).toContain('"code":"forbidden"');
    expect(await jobCount(open)).toBe(0);
  });

  it('a browser request from another origin - 403, even with a loopback Host', async () => {
    for (const origin of ['http://attacker.example', 'null', 'https://evil.test:7400']) {
      const res = await request(open, 'POST', '/v1/jobs', { body: JOB, headers: { origin } });
      expect(res.status, origin).toBe(403);
    }
    expect(await jobCount(open)).toBe(0);
  });

  it('the worker WebSocket with a foreign Host or Origin - upgrade refused with 403', async () => {
    expect(await upgrade(open.port, { host: 'attacker.example:7400' })).toBe('403');
    expect(await upgrade(open.port, { origin: 'http://attacker.example', host: 'attacker.example' })).toBe('403');
    expect(await upgrade(open.port, {})).toBe('open');
  });

  it('loopback callers are unaffected: localhost, 127.0.0.1, [::1] and a same-machine page', async () => {
    for (const host of ['localhost:1', '127.0.0.1', `127.0.0.1:${open.port}`, '[::1]:7400', 'app.localhost']) {
      const res = await rawRequest(open.port, `GET /v1/queues HTTP/1.1\r\nhost: ${host}`);
      expect(res.status, host).toBe(200);
    }
    const page = await request(open, 'POST', '/v1/jobs', { body: JOB, headers: { origin: 'http://localhost:3000' } });
    expect(page.status).toBe(201);
  });

  it('a server with a secret answers any Host (the token is the guard)', async () => {
    const res = await rawRequest(
      guarded.port,
      `POST /v1/jobs HTTP/1.1\r\nhost: drover.example.com\r\nauthorization: Bearer ${SECRET}\r\ncontent-type: application/json`,
      JOB,
    );
    expect(res.status).toBe(201);
  });
});
