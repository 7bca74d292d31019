/**
 * The bounds of a server (docs/reliability.md G6), on an in-process server over
 * `memory:` with tiny limits: event streams and long-polls past their
 * limit get 429, bodies and batches past theirs 413, and close() ends what
 * is open and refuses what comes (503).
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Drover, task } from '../../src/index.js';
import type { DroverServer, ServerLimits } from '../../src/server/index.js';
import { createServer } from '../../src/server/index.js';
import { http } from './server-harness.js';

const open: DroverServer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close({ grace: 0 })));
});

async function start(limits: Partial<ServerLimits>): Promise<{ url: string; server: DroverServer }> {
  const app = new Drover({ broker: 'memory:', logger: pino({ level: 'silent' }) });
  app.register(task('add', (a: number, b: number) => a + b));
  const server = createServer({ app, port: 0, limits, logger: app.logger });
  open.push(server);
  const { url } = await server.listen();
  return { url, server };
}

async function queued(target: { url: string }, task = 'nobody'): Promise<string> {
  return (await http(target, 'POST', '/v1/jobs', { body: { task, args: [] } })).body.id as string;
}

describe('server limits', () => {
  it('createServer({ limits: { eventStreams } }) - one stream too many is 429; a closed stream frees its slot', async () => {
    const target = await start({ eventStreams: 1 });
    const id = await queued(target);
    const first = new AbortController();
    expect((await fetch(`${target.url}/v1/jobs/${id}/events`, { signal: first.signal })).status).toBe(200);
    const second = await http(target, 'GET', `/v1/jobs/${id}/events`);
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('too_many_requests');
    first.abort();
    await new Promise((done) => setTimeout(done, 100));
    const third = new AbortController();
    expect((await fetch(`${target.url}/v1/jobs/${id}/events`, { signal: third.signal })).status).toBe(200);
    third.abort();
  });

  it('createServer({ limits: { resultWaiters } }) - one long-poll too many is 429', async () => {
    const target = await start({ resultWaiters: 1 });
    const id = await queued(target);
    const waiting = http(target, 'GET', `/v1/jobs/${id}/result?timeout=1000`);
    await new Promise((done) => setTimeout(done, 100));
    expect((await http(target, 'GET', `/v1/jobs/${id}/result?timeout=1000`)).status).toBe(429);
    expect((await waiting).status).toBe(202);
  });

  it('createServer({ limits: { batchJobs, bodyBytes, listLimit, resultTimeoutMs } }) - each bound answers 413 or 400', async () => {
    const target = await start({ batchJobs: 2, bodyBytes: 200, listLimit: 5, resultTimeoutMs: 50 });
    expect(
      (await http(target, 'POST', '/v1/jobs', { body: [{ task: 'a' }, { task: 'a' }, { task: 'a' }] })).status,
    ).toBe(413);
    expect((await http(target, 'POST', '/v1/jobs', { body: { task: 'a', args: ['x'.repeat(300)] } })).status).toBe(413);
    expect((await http(target, 'GET', '/v1/jobs?limit=6')).status).toBe(400);
    const id = await queued(target);
    expect((await http(target, 'GET', `/v1/jobs/${id}/result?timeout=51`)).status).toBe(400);
  });

  it('DroverServer.close() - ends open streams and long-polls, then refuses new requests with 503', async () => {
    const { url, server } = await start({});
    const id = await queued({ url });
    const stream = await fetch(`${url}/v1/jobs/${id}/events`);
    const poll = http({ url }, 'GET', `/v1/jobs/${id}/result?timeout=30000`);
    await new Promise((done) => setTimeout(done, 100));
    const started = Date.now();
    const closing = server.close({ grace: 1000 });
    expect((await poll).status).toBe(202);
    await stream.text(); // the stream ends
    await closing;
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(server.listen()).rejects.toThrow(/closed/);
  });
});
