import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Broker, FireRequest, ScheduleDefinition, ScheduleStore } from '../../core/contract/index.js';
import { fireJobId } from '../../core/contract/index.js';
import { Drover } from '../../core/app.js';
import type { SuiteContext } from './helpers.js';
import { leaseSoon, queueName, request, sleep, waitFor } from './helpers.js';

type Store = Broker & ScheduleStore;

/** A definition with a unique name (schedules share one namespace per broker) on a queue of its own. */
function definition(overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    name: `s-${randomUUID()}`,
    every: 1000,
    overlap: true,
    task: 'conformance',
    args: [1, { two: 2 }],
    options: { queue: queueName(), priority: 3 },
    ...overrides,
  };
}

async function recordOf(broker: Store, name: string) {
  return (await broker.listSchedules()).find((r) => r.name === name);
}

/** The fire request of `tick` for a stored schedule (its current revision). */
async function fireOf(broker: Store, d: ScheduleDefinition, tick: number): Promise<FireRequest> {
  const record = await recordOf(broker, d.name);
  expect(record, `schedule ${d.name}`).toBeDefined();
  const job = request(d.options.queue as string, d.args, {
    id: fireJobId(d.name, tick),
    task: d.task,
    priority: d.options.priority as number,
  });
  return { name: d.name, rev: record!.rev, tick, job };
}

/** Ticks `n` seconds after a whole second taken once per test (after the schedule's `since`, which the store requires). */
function ticksFromNow(): (seconds: number) => number {
  const base = (Math.floor(Date.now() / 1000) + 1) * 1000;
  return (seconds) => base + seconds * 1000;
}

/** Schedules (`ScheduleStore`): upsert, list, remove, pause, and the atomic fire of a tick. */
export function scheduleTests({ open, test }: SuiteContext): void {
  test(
    '.putSchedule() - an upsert by name: created, unchanged, replaced (new rev, lastAt kept); removeSchedule',
    async () => {
      const broker = (await open()) as Store;
      const d = definition();
      const later = ticksFromNow();
      expect(await broker.putSchedule(d)).toBe('created');
      const first = await recordOf(broker, d.name);
      expect(first).toMatchObject({ ...d, rev: 1, paused: false });
      expect(first!.lastAt).toBeUndefined();
      expect(await broker.putSchedule({ ...d })).toBe('unchanged');
      expect((await recordOf(broker, d.name))!.rev).toBe(1);
      expect(await broker.fireSchedule(await fireOf(broker, d, later(5)))).toBe('fired');
      expect(await broker.putSchedule({ ...d, every: 2000 })).toBe('replaced');
      const replaced = await recordOf(broker, d.name);
      expect(replaced).toMatchObject({ every: 2000, rev: 2, lastAt: later(5) });
      expect(replaced!.since).toBeGreaterThanOrEqual(first!.since);
      expect(await broker.removeSchedule(d.name)).toBe(true);
      expect(await broker.removeSchedule(d.name)).toBe(false);
      expect(await recordOf(broker, d.name)).toBeUndefined();
    },
    ['schedules'],
  );

  test(
    '.fireSchedule() - two fires of one tick racing: one job; the tick never fires again, even after its job finished',
    async () => {
      const broker = (await open()) as Store;
      const d = definition();
      const later = ticksFromNow();
      await broker.putSchedule(d);
      const tick = later(2);
      const fire = await fireOf(broker, d, tick);
      const outcomes = await Promise.all([broker.fireSchedule(fire), broker.fireSchedule({ ...fire })]);
      expect(outcomes.sort()).toEqual(['fired', 'stale']);
      expect(await recordOf(broker, d.name)).toMatchObject({ lastAt: tick, lastJobId: fireJobId(d.name, tick) });
      const [job] = await leaseSoon(broker, d.options.queue as string, undefined, 10);
      expect(job).toMatchObject({ id: fireJobId(d.name, tick), task: 'conformance', args: d.args });
      await broker.ack(job!, 'done');
      expect(await broker.fireSchedule(fire)).toBe('stale');
      expect(await broker.fireSchedule(await fireOf(broker, d, tick - 1000))).toBe('stale');
      expect(await broker.fireSchedule({ ...(await fireOf(broker, d, tick + 1000)), rev: 99 })).toBe('stale');
      expect(await broker.lease({ queues: [d.options.queue as string], max: 10, leaseMs: 250 })).toEqual([]);
    },
    ['schedules'],
  );

  test(
    '.fireSchedule() - refuses ticks at or before the definition was stored, of unknown or paused schedules',
    async () => {
      const broker = (await open()) as Store;
      const d = definition();
      const later = ticksFromNow();
      await broker.putSchedule(d);
      const since = (await recordOf(broker, d.name))!.since;
      expect(await broker.fireSchedule(await fireOf(broker, d, since))).toBe('stale');
      const fire = await fireOf(broker, d, later(2));
      expect(await broker.fireSchedule({ ...fire, name: `s-${randomUUID()}` })).toBe('stale');
      expect(await broker.pauseSchedule(`s-${randomUUID()}`, true)).toBe(false);
      expect(await broker.pauseSchedule(d.name, true)).toBe(true);
      expect((await recordOf(broker, d.name))!.paused).toBe(true);
      expect(await broker.fireSchedule(fire)).toBe('stale');
      expect(await broker.pauseSchedule(d.name, false)).toBe(true);
      expect(await broker.fireSchedule(fire)).toBe('fired');
    },
    ['schedules'],
  );

  test(
    '.fireSchedule() - overlap: false skips a tick while the previous fire is queued or active, not after it finished',
    async () => {
      const broker = (await open()) as Store;
      const d = definition({ overlap: false });
      const later = ticksFromNow();
      await broker.putSchedule(d);
      expect(await broker.fireSchedule(await fireOf(broker, d, later(2)))).toBe('fired');
      expect(await broker.fireSchedule(await fireOf(broker, d, later(3)))).toBe('skipped');
      expect(await recordOf(broker, d.name)).toMatchObject({
        lastAt: later(3),
        lastJobId: fireJobId(d.name, later(2)),
      });
      const [job] = await leaseSoon(broker, d.options.queue as string);
      expect(await broker.fireSchedule(await fireOf(broker, d, later(4)))).toBe('skipped');
      await broker.ack(job!, null);
      expect(await broker.fireSchedule(await fireOf(broker, d, later(5)))).toBe('fired');
      expect(await broker.getJob(fireJobId(d.name, later(3)))).toBeUndefined();
    },
    ['schedules'],
  );

  test(
    'schedule ticker - two apps on one broker fire an every-second schedule once per tick; missed ticks fire once',
    async () => {
      const broker = (await open()) as Store;
      const queue = queueName();
      const name = `s-${randomUUID()}`;
      const idle = new Drover({ broker, scheduler: false });
      await idle.schedule(name, { every: 1000 }, 'conformance', [], { queue });
      // Nobody ticks for 2.5 s: the ticks missed meanwhile fire once, when a ticker starts.
      await sleep(2500);
      const started = Date.now();
      const apps = [
        new Drover({ broker, scheduler: { refreshMs: 200 } }),
        new Drover({ broker, scheduler: { refreshMs: 200 } }),
      ];
      try {
        await Promise.all(apps.map((app) => app.broker()));
        await waitFor('the missed ticks to fire', async () => (await recordOf(broker, name))?.lastAt !== undefined);
        await sleep(2300);
        const [info] = (await idle.schedules()).filter((s) => s.name === name);
        expect(info).toMatchObject({ name, every: 1000, task: 'conformance', paused: false });
        expect(info!.nextAt).toBeGreaterThan(info!.lastAt!);
        const jobs = await broker.lease({ queues: [queue], max: 100, leaseMs: 1000 });
        const ticks = jobs.map((j) => Number(j.id.split(':').at(-1))).sort();
        // One fire for the missed ticks, then one per second: no tick twice, none skipped after the first.
        expect(new Set(ticks).size).toBe(ticks.length);
        expect(ticks[0]).toBeGreaterThan(started - 1000);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(4);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
      } finally {
        await Promise.all([...apps, idle].map((app) => app.close({ grace: 0 })));
      }
    },
    ['schedules'],
  );
}
