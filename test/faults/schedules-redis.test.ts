/** One fire per tick: three drover servers on one Redis prefix, one SIGKILLed and restarted (see schedule-scenario.ts). */
import { randomUUID } from 'node:crypto';
import { afterAll, it } from 'vitest';
import { deletePrefix, redisUrl } from '../integration/redis-helpers.js';
import { stopAll } from '../integration/server-harness.js';
import { fireOncePerTick } from './schedule-scenario.js';

const prefix = `drover-test-${randomUUID()}`;

afterAll(async () => {
  await stopAll();
  await deletePrefix(redisUrl, prefix);
});

it('schedules: three drover servers on one Redis prefix fire an every-second schedule once per tick while one is SIGKILLed and restarted', async () => {
  await fireOncePerTick(`${redisUrl}/0?prefix=${prefix}`);
}, 60_000);
