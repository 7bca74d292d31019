/**
 * Schedules: an every-second schedule fired by two apps sharing one SQLite
 * file — each tick once, however many apps run — and a cron schedule with a
 * time zone. Prints the fires, then what is stored.
 *
 *   npx tsx examples/schedules.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Drover, currentJob } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-schedules-'));
const broker = `sqlite:${join(dir, 'drover.db')}`;
const fired: string[] = [];

// Two instances of one app: both run a schedule ticker and a worker.
const apps = [new Drover({ broker }), new Drover({ broker })];
for (const app of apps) {
  app.task('tick', () => fired.push(currentJob().id));
  app.task('report', (kind: string) => `${kind} report`);
  app.worker({ concurrency: 1 });
}

const [first, second] = apps as [Drover, Drover];
// Both instances store the same schedule at start-up: the second call changes nothing.
console.log('first:', await first.schedule('every-second', { every: 1000 }, 'tick', []));
console.log('second:', await second.schedule('every-second', { every: 1000 }, 'tick', []));
await first.schedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, 'report', ['daily'], { retries: 1 });

await new Promise((resolve) => setTimeout(resolve, 3500));
const ticks = new Set(fired);
console.log(
  `two apps, 3.5 s: ${fired.length} fires of ${ticks.size} ticks${fired.length === ticks.size ? ', each once' : ''}`,
);

for (const s of await second.schedules())
  console.log(
    `${s.name}: next at ${new Date(s.nextAt!).toISOString()}, last fired ${s.lastAt ? new Date(s.lastAt).toISOString() : 'never'}`,
  );

await second.unschedule('every-second');
await Promise.all(apps.map((app) => app.close()));
rmSync(dir, { recursive: true, force: true });
