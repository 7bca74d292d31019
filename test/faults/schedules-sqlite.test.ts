/** One fire per tick: three drover servers on one SQLite file, one SIGKILLed and restarted (see schedule-scenario.ts). */
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { stopAll, tempDir } from '../integration/server-harness.js';
import { fireOncePerTick } from './schedule-scenario.js';

afterAll(async () => {
  await stopAll();
});

it('schedules: three drover servers on one SQLite file fire an every-second schedule once per tick while one is SIGKILLed and restarted', async () => {
  await fireOncePerTick(`sqlite:${join(tempDir(), 'drover.db')}`);
}, 60_000);
