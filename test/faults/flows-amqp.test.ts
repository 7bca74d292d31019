/**
 * S31 on RabbitMQ: flows through `drover worker --broker amqp://…` processes
 * with a SQLite result backend, one worker SIGKILLed every second (and
 * replaced); see flow-scenario.ts. A killed worker's tickets come back to
 * the others at once (its channel died) and are taken over; an advance cut
 * short between its tickets and its commit is done again by the step's next
 * run, and finds the next step's job if it was already recorded. Shared
 * RabbitMQ under a unique prefix (its queues deleted afterwards).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { AMQP_URL, deletePrefixed } from '../conformance/amqp-cleanup.js';
import { runFlowScenario } from './flow-scenario.js';

const prefix = `drover-flows-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'drover-amqp-flow-faults-'));
afterAll(async () => {
  await deletePrefixed(prefix, ['step', 'total', 'bust']);
  rmSync(dir, { recursive: true, force: true });
});

it('S31 on amqp (sqlite backend) - flows survive a worker SIGKILLed every second', async () => {
  const backend = encodeURIComponent(`sqlite:${join(dir, 'state.db')}`);
  await runFlowScenario(`${AMQP_URL}?prefix=${prefix}&backend=${backend}&sweepInterval=200`, dir);
});
