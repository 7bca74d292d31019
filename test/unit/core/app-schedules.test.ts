/**
 * The app's schedules on the memory broker: the API (upsert, list,
 * unschedule, pause, resume), fires run by a worker with the schedule's job
 * options, overlap: false, the metric, the ticker stopping on close, and a
 * broker without a schedule store refused by name.
 */
import { describe, expect, it } from 'vitest';
import { Drover } from '../../../src/index.js';
import { createMemoryBroker } from '../../../src/brokers/memory/index.js';
import type { Broker } from '../../../src/brokers/contract.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function until(check: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('app.schedule() on memory:', () => {
  it('upsert: created, unchanged, replaced; schedules() lists nextAt; unschedule() false for unknown', async () => {
    const app = new Drover({ broker: 'memory:' });
    const report = app.task('report', (_kind: string) => 'ok');
    expect(await app.schedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, report, ['daily'])).toBe(
      'created',
    );
    expect(await app.schedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, 'report', ['daily'])).toBe(
      'unchanged',
    );
    expect(await app.schedule('nightly', { cron: '0 4 * * *', tz: 'Europe/Berlin' }, 'report', ['daily'])).toBe(
      'replaced',
    );
    const [info] = await app.schedules();
    expect(info).toMatchObject({
      name: 'nightly',
      cron: '0 4 * * *',
      tz: 'Europe/Berlin',
      task: 'report',
      paused: false,
    });
    expect(info!.lastAt).toBeUndefined();
    expect(new Date(info!.nextAt!).toLocaleString('en-GB', { timeZone: 'Europe/Berlin' })).toMatch(/04:00:00$/);
    expect(await app.unschedule('nightly')).toBe(true);
    expect(await app.unschedule('nightly')).toBe(false);
    expect(await app.schedules()).toEqual([]);
    await app.close();
  });

  it('fires once per second through a worker, with the schedule’s job options; counted in drover_schedule_fires_total', async () => {
    const app = new Drover({ broker: 'memory:' });
    const seen: { id: string; attempt: number }[] = [];
    app.task('ping', (n: number) => n);
    app.on('job:succeeded', (e) => seen.push({ id: e.jobId, attempt: e.attempt }));
    app.worker({ concurrency: 2 });
    await app.schedule('tick', { every: 1000 }, 'ping', [7], { priority: 5, retries: 0 });
    await until(() => seen.length >= 2, 3500);
    const jobs = await Promise.all(seen.map((s) => app.job(s.id).result()));
    expect(jobs).toEqual(seen.map(() => 7));
    for (const s of seen) expect(s.id).toMatch(/^schedule:tick:\d+000$/);
    const snapshot = await (await app.broker()).getJob(seen[0]!.id);
    expect(snapshot).toMatchObject({ priority: 5, options: { retries: 0 } });
    expect(await app.metrics.text()).toMatch(/drover_schedule_fires_total\{schedule="tick"\} [2-9]/);
    await app.close();
  });

  it('overlap: false skips ticks while the previous fire runs; pause stops fires, resume starts from the next tick', async () => {
    const app = new Drover({ broker: 'memory:' });
    const started: number[] = [];
    app.task('slow', async () => {
      started.push(Date.now());
      await sleep(2200);
    });
    app.worker({ concurrency: 4 });
    await app.schedule('slow', { every: 1000, overlap: false }, 'slow', []);
    await until(() => started.length === 1);
    await sleep(1900);
    expect(started).toHaveLength(1); // the ticks during the run were skipped, not queued
    await until(() => started.length === 2, 3000);
    expect(await app.pauseSchedule('slow')).toBe(true);
    const count = started.length;
    await sleep(2500);
    expect(started).toHaveLength(count);
    expect((await app.schedules())[0]).toMatchObject({ paused: true, nextAt: undefined });
    expect(await app.resumeSchedule('slow')).toBe(true);
    expect(await app.pauseSchedule('unknown')).toBe(false);
    await until(() => started.length === count + 1, 3000);
    await app.close({ grace: 0 });
  });

  it('close() stops the ticker: no fire after it, even on a broker that stays open', async () => {
    const broker = createMemoryBroker();
    const app = new Drover({ broker });
    await app.schedule('after-close', { every: 1000 }, 'nobody', []);
    await app.close();
    const before = (await broker.listSchedules()).find((s) => s.name === 'after-close')!.lastAt;
    await sleep(1500);
    expect((await broker.listSchedules()).find((s) => s.name === 'after-close')!.lastAt).toBe(before);
    await broker.close();
  });

  it('a broker without a schedule store is refused by name; a bad cron names the expression', async () => {
    const memory = createMemoryBroker();
    const plain: Broker = new Proxy(memory, {
      get(target, key) {
        if (String(key).includes('Schedule')) return undefined;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const app = new Drover({ broker: plain, scheduler: false });
    await expect(app.schedules()).rejects.toMatchObject({
      code: 'ERR_DROVER_CONFIG',
      message: expect.stringMatching(/memory broker keeps no schedules/),
    });
    const other = new Drover({ broker: 'memory:' });
    await expect(other.schedule('x', { cron: '* * 32 * *' }, 'nobody', [])).rejects.toMatchObject({
      code: 'ERR_DROVER_INVALID_SCHEDULE',
      message: expect.stringMatching(/bad cron expression "\* \* 32 \* \*"/),
    });
    await Promise.all([app.close(), other.close(), memory.close()]);
  });
});
