/**
 * `GET /v1/events`, the server-wide event stream the dashboard listens to:
 * bearer auth, a `hello` snapshot, live report batches, counts, throughput,
 * worker and herd changes, `Last-Event-ID` resume, and a client that stops
 * reading is dropped instead of growing the server's memory.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Drover, currentJob } from '../../src/index.js';
import type { DroverServer } from '../../src/server/index.js';
import { createServer } from '../../src/server/index.js';
import { SECRET, eventually, http } from './server-harness.js';
import { openSse } from './sse-reader.js';

const CHATTY = `chatty-${'c'.repeat(190)}`;
const logLines: string[] = [];
let app: Drover;
let server: DroverServer;
let target: { url: string };
const auth = { authorization: `Bearer ${SECRET}` };

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  app = new Drover({ broker: 'memory:' });
  app.task('add', (a: number, b: number) => a + b);
  app.task(
    'boom',
    (message: string) => {
      throw new Error(message);
    },
    { retries: 0 },
  );
  // Long names and progress text make large report summaries: the slow-client test fills buffers sooner.
  app.task(
    CHATTY,
    async (n: number, text: string) => {
      for (let i = 0; i < n; i++) await currentJob().progress(`${i} ${text}`);
      return n;
    },
    { queue: 'q'.repeat(200) },
  );
  server = createServer({ app, port: 0, secret: SECRET, concurrency: 4, logger: pino({ level: 'warn' }, sink) });
  target = await server.listen();
});

afterAll(async () => {
  await server.close({ grace: 0 });
});

describe('GET /v1/events', () => {
  it('401 without the right token; nothing is streamed', async () => {
    const res = await http(target, 'GET', '/v1/events', { token: `${SECRET.slice(0, -1)}x` });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect((await http(target, 'GET', '/v1/events')).status).toBe(401);
  });

  it('400 for a Last-Event-ID of another shape, naming the header', async () => {
    const res = await http(target, 'GET', '/v1/events', { token: SECRET, headers: { 'last-event-id': 'nope' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Last-Event-ID/);
  });

  it('hello first, then report batches, counts and throughput as jobs finish', async () => {
    const stream = await openSse(`${target.url}/v1/events`, auth);
    try {
      expect(stream.status).toBe(200);
      const hello = await stream.next((e) => e.event === 'hello');
      expect(stream.events[0]!.event).toBe('hello');
      expect(hello.data).toMatchObject({ resumed: false, counts: { queues: expect.any(Array), truncated: false } });
      expect(hello.data.workers.herd).toMatchObject({ concurrency: 4 });
      expect(hello.data.throughput.succeeded).toHaveLength(299);
      const res = await http(target, 'POST', '/v1/jobs', {
        token: SECRET,
        body: { task: 'boom', args: ['x'.repeat(5000)] },
      });
      const id = res.body.id as string;
      const failed = await stream.next(
        (e) =>
          e.event === 'reports' &&
          e.data.reports.some((r: { jobId: string; status: string }) => r.jobId === id && r.status === 'failed'),
      );
      expect(failed.id).toMatch(/^[0-9a-f]+\.\d+$/);
      const summary = failed.data.reports.find((r: { status: string }) => r.status === 'failed');
      expect(summary).toMatchObject({ task: 'boom', queue: 'boom', attempt: 1, error: { name: 'Error' } });
      expect(summary.error.message.length).toBeLessThanOrEqual(300);
      expect(summary.error.stack).toBeUndefined();
      const counts = await stream.next(
        (e) =>
          e.event === 'counts' &&
          e.data.queues.some((q: { queue: string; failed: number }) => q.queue === 'boom' && q.failed >= 1),
      );
      expect(counts.data.truncated).toBe(false);
      await stream.next((e) => e.event === 'rate' && e.data.failed >= 1);
    } finally {
      stream.close();
    }
  });

  it('herd: a resize is sent to listening clients', async () => {
    const stream = await openSse(`${target.url}/v1/events`, auth);
    try {
      await stream.next((e) => e.event === 'hello');
      expect((await http(target, 'PATCH', '/herd', { token: SECRET, body: { num: 6 } })).status).toBe(200);
      expect((await stream.next((e) => e.event === 'herd')).data).toEqual({ num: 6 });
      const workers = await stream.next((e) => e.event === 'workers' && e.data.herd?.concurrency === 6);
      expect(workers.data.workers).toEqual([]);
    } finally {
      await http(target, 'PATCH', '/herd', { token: SECRET, body: { num: 4 } });
      stream.close();
    }
  });

  it('Last-Event-ID: a reconnect gets the batches it missed; an unknown epoch gets resumed: false', async () => {
    const first = await openSse(`${target.url}/v1/events`, auth);
    const second = await openSse(`${target.url}/v1/events`, auth); // keeps the hub live while the first is away
    let lastId: string;
    try {
      await first.next((e) => e.event === 'hello');
      await second.next((e) => e.event === 'hello');
      lastId = first.events.at(-1)!.id!;
    } finally {
      first.close();
    }
    const res = await http(target, 'POST', '/v1/jobs', { token: SECRET, body: { task: 'add', args: [1, 2] } });
    const id = res.body.id as string;
    await second.next((e) => e.event === 'reports' && e.data.reports.some((r: { jobId: string }) => r.jobId === id));
    const again = await openSse(`${target.url}/v1/events`, { ...auth, 'last-event-id': lastId });
    try {
      const hello = await again.next((e) => e.event === 'hello');
      expect(hello.data.resumed).toBe(true);
      await again.next(
        (e) => e.event === 'reports' && e.data.reports.some((r: { jobId: string }) => r.jobId === id),
        2000,
      );
    } finally {
      again.close();
      second.close();
    }
    const other = await openSse(`${target.url}/v1/events`, { ...auth, 'last-event-id': '00ff.3' });
    try {
      expect((await other.next((e) => e.event === 'hello')).data.resumed).toBe(false);
    } finally {
      other.close();
    }
  });

  it('a client that stops reading is dropped once its unsent bytes pass the limit; others keep streaming', async () => {
    const reader = await openSse(`${target.url}/v1/events`, auth);
    await reader.next((e) => e.event === 'hello');
    const { port } = new URL(target.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((done) => socket.once('connect', () => done()));
    socket.write(`GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SECRET}\r\n\r\n`);
    socket.pause();
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const started = Date.now();
    const text = 'y'.repeat(240);
    // Progress reports of long text, as fast as the herd makes them, until the server gives up on the socket.
    await eventually(
      async () => {
        await http(target, 'POST', '/v1/jobs', {
          token: SECRET,
          body: Array.from({ length: 4 }, () => ({ task: CHATTY, args: [500, text] })),
        });
        return logLines.some((l) => l.includes('stopped reading'));
      },
      25_000,
      200,
    );
    const elapsed = Date.now() - started;
    socket.resume();
    await closed;
    // The reader that keeps up still gets events.
    const n = reader.events.length;
    await eventually(async () => reader.events.length > n, 3000);
    reader.close();
    expect(elapsed).toBeLessThan(25_000);
  }, 40_000);
});
