/**
 * S31: flows on one SQLite file with three real `drover worker` processes,
 * one of them SIGKILLed every second (and replaced); see flow-scenario.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { runFlowScenario } from './flow-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-flow-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('S31 - flows survive a worker SIGKILLed every second: all end, no step after a failure, callbacks once', async () => {
  await runFlowScenario(`sqlite:${join(dir, 'flows.db')}?sweepInterval=200`, dir);
});
