/**
 * Flow control through the app, on every broker that has it: task options
 * written as queue settings, `RateLimited` from a handler, and
 * `app.queue(name)` (pause, resume, drain, retryFailed, purge, limits).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Drover, RateLimited, Fail } from '../../src/index.js';
import { deletePrefix, redisUrl } from './redis-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-flow-'));
const prefix = `drover-test-${randomUUID()}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deletePrefix(redisUrl, prefix);
});

const apps: Drover[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close({ grace: 100 })));
});

/** An app whose warnings are collected. */
function open(url: string): { app: Drover; warnings: string[] } {
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (line.level >= 40) warnings.push(line.msg);
      done();
    },
  });
  const app = new Drover({ broker: url, logger: pino({ level: 'warn' }, sink) });
  apps.push(app);
  return { app, warnings };
}

const brokers: [string, () => string][] = [
  ['memory', () => 'memory:'],
  ['sqlite', () => `sqlite:${join(dir, `${randomUUID()}.db`)}`],
  ['redis', () => `${redisUrl}/0?prefix=${prefix}`],
];

describe.each(brokers)('flow control on %s', (_name, url) => {
  it('app.task(..., { rateLimit, groupConcurrency }) - written as the queue settings; a disagreement warns', async () => {
    const shared = url();
    const queue = `q-${randomUUID()}`;
    const first = open(shared);
    first.app.task(queue, () => 1, { rateLimit: { max: 5, per: 1000 }, groupConcurrency: 2 });
    await first.app.broker();
    expect(await first.app.queue(queue).settings()).toEqual({
      paused: false,
      rateLimit: { max: 5, per: 1000 },
      groupConcurrency: 2,
    });
    if (shared === 'memory:') return; // one process: nobody to disagree with
    const second = open(shared);
    await second.app.broker();
    second.app.task(queue, () => 1, { rateLimit: { max: 9, per: 1000 } });
    await expect
      .poll(() => second.warnings.join('\n'))
      .toMatch(/rateLimit was \{"max":5,"per":1000\}.*last write wins/);
    await expect.poll(async () => (await second.app.queue(queue).settings()).rateLimit).toEqual({ max: 9, per: 1000 });
    expect((await second.app.queue(queue).settings()).groupConcurrency).toBeUndefined();
  });

  it('RateLimited - the job goes back without counting an attempt; the queue waits ms on every worker', async () => {
    const { app } = open(url());
    const queue = `q-${randomUUID()}`;
    const starts: number[] = [];
    let limited = false;
    const t = app.task(
      queue,
      (n: number) => {
        starts.push(Date.now());
        if (!limited) {
          limited = true;
          throw new RateLimited(500);
        }
        return n;
      },
      { retries: 0 },
    );
    app.worker({ concurrency: 2, pollInterval: 50 });
    const job = await t.call(1);
    await expect.poll(() => starts.length).toBe(1);
    const other = await t.call(2);
    const limits = await app.queue(queue).limits();
    expect(limits.limitedUntil).toBeGreaterThan(Date.now());
    expect(await job.result({ timeout: 5000 })).toBe(1);
    expect(await other.result({ timeout: 5000 })).toBe(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(450);
    expect((await app.broker().then((b) => b.getJob(job.id)))?.attempt).toBe(1);
  });

  it('app.queue() - pause, resume, drain, retryFailed, purge and limits', async () => {
    const { app } = open(url());
    const queue = `q-${randomUUID()}`;
    let fail = true;
    const t = app.task(queue, (n: number) => {
      if (fail) throw new Fail('no');
      return n;
    });
    const q = app.queue(queue);
    await q.pause();
    app.worker({ concurrency: 4, pollInterval: 50 });
    const jobs = await t.callMany([[1], [2], [3]]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await q.limits()).toMatchObject({ paused: true, limited: 3 });
    expect(await q.drain()).toBe(3);
    await expect(jobs[0]!.result({ timeout: 1000 })).rejects.toMatchObject({ code: 'ERR_DROVER_JOB_CANCELLED' });
    const failing = await t.callMany([[4], [5]]);
    await q.resume();
    for (const job of failing) await expect(job.result({ timeout: 5000 })).rejects.toThrow(/no/);
    fail = false;
    expect(await q.retryFailed()).toBe(2);
    const broker = await app.broker();
    await expect.poll(async () => (await broker.getJob(failing[1]!.id))?.result, { timeout: 5000 }).toBe(5);
    expect(await q.purge({ olderThan: 60_000 })).toBe(0);
    expect(await q.purge()).toBe(5); // 3 cancelled + 2 succeeded
    await expect(q.purge({ olderThan: -1 })).rejects.toThrow(/options\.olderThan/);
    await expect(q.set({ groupConcurrency: 0 })).rejects.toThrow(/settings\.groupConcurrency/);
  });
});
