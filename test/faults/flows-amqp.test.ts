/**
 * S31 on RabbitMQ: flows through `drover worker --broker amqp://…` processes,
 * one worker SIGKILLed every second (and replaced); see flow-scenario.ts.
 * A killed worker's tickets come back to the others at once (its channel
 * died) and are taken over; an advance cut short between its tickets and its
 * commit is done again by the step's next run, and finds the next step's job
 * if it was already recorded. Shared RabbitMQ under a unique prefix (its
 * queues deleted afterwards); once with a SQLite result backend in a
 * temporary folder, once with the shared Redis (a unique prefix, deleted).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { AMQP_URL, deletePrefixed } from '../conformance/amqp-cleanup.js';
import { deletePrefix, redisUrl } from '../integration/redis-helpers.js';
import { runFlowScenario } from './flow-scenario.js';

const run = `drover-flows-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-flow-faults-'));
afterAll(async () => {
  for (const kind of ['sqlite', 'redis']) await deletePrefixed(`${run}-${kind}`, ['step', 'total', 'bust']);
  await deletePrefix(redisUrl, `${run}-state`);
  rmSync(dir, { recursive: true, force: true });
});

it.each([
  ['sqlite', () => `sqlite:${join(dir, 'state.db')}`],
  ['redis', () => `${redisUrl}/0?prefix=${run}-state`],
])('S31 on amqp (%s backend) - flows survive a worker SIGKILLed every second', async (kind, backend) => {
  const url = `${AMQP_URL}?prefix=${run}-${kind}&backend=${encodeURIComponent(backend())}&sweepInterval=200`;
  await runFlowScenario(url, dir);
});
