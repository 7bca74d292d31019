/**
 * A `drover worker --broker redis://…` started before its Redis (as in a
 * compose file, or after a reboot) keeps trying with backoff and starts
 * working once Redis is up; with `--connect-timeout 0` it exits at once,
 * naming the broker. A redis-server of the test's own, on a free port.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Drover } from '../../src/index.js';
import type { OwnRedis } from '../integration/redis-helpers.js';
import { startBrokerWorker, startOwnRedis } from '../integration/redis-helpers.js';
import { sleep, waitFor } from '../integration/remote-helpers.js';

const TASKS = join(import.meta.dirname, '../fixtures/redis-tasks.ts');
let redis: OwnRedis;

beforeAll(async () => {
  redis = await startOwnRedis();
  await redis.stop();
});

afterAll(async () => {
  await redis.stop();
});

describe('drover worker started before its broker', () => {
  it('keeps trying with backoff, then works once the broker is up', async () => {
    const url = `${redis.url}/0?prefix=start-${randomUUID().slice(0, 8)}`;
    const worker = startBrokerWorker(url, {
      tasks: TASKS,
      concurrency: 2,
      args: ['--log-level', 'warn', '--reconnect-min-ms', '100', '--reconnect-max-ms', '400'],
    });
    try {
      await waitFor(() => /cannot reach redis:\/\/127\.0\.0\.1:\d+/.test(worker.output()), 20_000, 'a retry warning');
      await sleep(500);
      expect(worker.proc.exitCode).toBeNull();
      await redis.restart();
      const app = new Drover({ broker: url });
      try {
        const job = await app.call('work', [10]);
        expect(await job.result({ timeout: 20_000 })).toBe(worker.pid);
      } finally {
        await app.close({ grace: 0 });
      }
    } finally {
      worker.proc.kill('SIGKILL');
      await worker.exit;
    }
  });

  it('with --connect-timeout 0 exits at once with a reason naming the broker', async () => {
    await redis.stop();
    const url = `${redis.url}/0?prefix=start-${randomUUID().slice(0, 8)}`;
    const worker = startBrokerWorker(url, { tasks: TASKS, args: ['--connect-timeout', '0'] });
    expect(await worker.exit).toBe(1);
    expect(worker.output()).toMatch(/127\.0\.0\.1/);
  });
});
