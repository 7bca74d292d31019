/**
 * The Redis broker's URL options, its durability check at connect (an
 * evicting `maxmemory-policy` is refused, docs/reliability.md S05) and its
 * watchdog: a connection that stays "up" but stops delivering is noticed and
 * re-established. Uses redis-servers of its own on free ports.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/report.js';
import { createRedisBroker, parseRedisUrl } from '../../src/brokers/redis/index.js';
import type { OwnRedis } from './redis-helpers.js';
import { startOwnRedis } from './redis-helpers.js';

const servers: OwnRedis[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function ownRedis(extra: string[] = []): Promise<OwnRedis> {
  const server = await startOwnRedis(extra);
  servers.push(server);
  return server;
}

const options = { retries: 0, backoff: { type: 'fixed' as const, delay: 0, max: 0 } };

describe('parseRedisUrl()', () => {
  it('reads the prefix and the options; keeps the connection part', () => {
    const parsed = parseRedisUrl(
      'rediss://u:p%40ss@cache:6380/2?prefix=app1&resultTtl=5000&keepFinished=10&cluster=1&nodes=a:1,b:2',
    );
    expect(parsed).toMatchObject({
      url: 'rediss://u:p%40ss@cache:6380/2',
      prefix: 'app1',
      resultTtl: 5000,
      keepFinished: 10,
      cluster: true,
      nodes: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
    });
    expect(parseRedisUrl('redis://h:1?sentinel=mymaster&allowEviction=true')).toMatchObject({
      sentinelName: 'mymaster',
      allowEviction: true,
    });
  });

  it('refuses unknown options, bad numbers and bad nodes with a message naming them', () => {
    expect(() => parseRedisUrl('redis://h?colour=red')).toThrow(/Unknown Redis option "colour"/);
    expect(() => parseRedisUrl('redis://h?resultTtl=-1')).toThrow(/resultTtl must be a positive integer/);
    expect(() => parseRedisUrl('redis://h?nodes=nohost')).toThrow(/expected host:port/);
    expect(() => parseRedisUrl('http://h')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => createRedisBroker({ prefix: 'a{b}' })).toThrow(/prefix/);
  });
});

describe('connect() checks how Redis keeps data', () => {
  it('refuses an evicting maxmemory-policy, unless allowEviction', async () => {
    const redis = await ownRedis(['--maxmemory-policy', 'allkeys-lru']);
    const broker = createRedisBroker({ url: redis.url, prefix: 'evict' });
    await expect(broker.connect()).rejects.toMatchObject({
      code: 'ERR_DROVER_CONFIG',
      message: expect.stringMatching(/maxmemory-policy allkeys-lru/),
    });
    await broker.close();
    const allowed = createRedisBroker({ url: redis.url, prefix: 'evict', allowEviction: true });
    await allowed.connect();
    await allowed.close();
  });

  it('names the URL (without its password) when Redis cannot be reached', async () => {
    const broker = createRedisBroker({ url: 'redis://user:secret@127.0.0.1:1', prefix: 'none' });
    const error = await broker.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: 'ERR_DROVER_BROKER' });
    expect(error?.message).toContain('redis://user:***@127.0.0.1:1');
    expect(error?.message).not.toContain('secret');
    await broker.close();
  });
});

/** A TCP proxy whose existing connections can be frozen: up, but delivering nothing. */
async function blackHoleProxy(port: number): Promise<{ url: string; freeze(): void; close(): void }> {
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      server.close();
    },
  };
}

describe('retention', () => {
  it('keepFinished keeps the last N finished jobs per queue and status; older ones and their keys are gone', async () => {
    const redis = await ownRedis();
    const prefix = `keep-${randomUUID().slice(0, 8)}`;
    const broker = createRedisBroker({ url: redis.url, prefix, keepFinished: 3 });
    try {
      const ids = Array.from({ length: 6 }, (_, i) => `j${i}`);
      await broker.enqueue(
        ids.map((id) => ({ id, task: 't', queue: 'q', args: [], priority: 0, delayMs: 0, options })),
      );
      for (const job of await broker.lease({ queues: ['q'], max: 6, leaseMs: 5000 })) await broker.ack(job, job.id);
      const kept = await broker.listJobs({ status: 'succeeded', queue: 'q', limit: 10 });
      expect(kept.jobs.map((j) => j.id)).toEqual(['j5', 'j4', 'j3']);
      expect(await broker.getJob('j0')).toBeUndefined();
      expect((await broker.counts()).find((c) => c.queue === 'q')).toMatchObject({ succeeded: 3, active: 0 });
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      const keys = await client.keys('*');
      client.disconnect();
      expect(keys.every((k) => k.startsWith(`{${prefix}}:`))).toBe(true);
      expect(keys.filter((k) => k.includes(':j:'))).toHaveLength(3);
    } finally {
      await broker.close();
    }
  });
});

describe('the watchdog', () => {
  it('re-establishes connections that are up but silent; a watcher still gets its reports', async () => {
    const redis = await ownRedis();
    const proxy = await blackHoleProxy(redis.port);
    const prefix = `wd-${randomUUID().slice(0, 8)}`;
    const watched = createRedisBroker({ url: proxy.url, prefix, watchdogInterval: 300 });
    const direct = createRedisBroker({ url: redis.url, prefix });
    try {
      await Promise.all([watched.connect(), direct.connect()]);
      const id = `j-${randomUUID()}`;
      await direct.enqueue([{ id, task: 't', queue: 'q', args: [], priority: 0, delayMs: 0, options }]);
      const seen: Report[] = [];
      const watch = await watched.watch(id, (r) => seen.push(r));
      proxy.freeze();
      const [job] = await direct.lease({ queues: ['q'], max: 1, leaseMs: 5000 });
      await direct.ack(job!, 'done');
      const deadline = Date.now() + 8000;
      while (!seen.some((r) => r.status === 'succeeded') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen.map((r) => r.status)).toEqual(['active', 'succeeded']);
      expect((await watched.getJob(id))?.status).toBe('succeeded');
      watch!.stop();
    } finally {
      await Promise.all([watched.close(), direct.close()]);
      proxy.close();
    }
  });
});
