/**
 * Tasks the dashboard's browser tests run in a real `drover server`
 * (loaded with `--tasks`).
 */
import { Fail, currentJob, task } from '../../src/index.js';

const failedOnce = new Set<string>();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds two numbers. */
export const add = task('add', (a: number, b: number) => a + b);

/** Works `steps` × 100 ms, reporting progress after each step. */
export const slow = task('slow', async (steps: number) => {
  for (let step = 1; step <= steps; step++) {
    await sleep(100);
    await currentJob().progress({ done: step, total: steps });
    currentJob().log.info('step %d of %d done', step, steps);
  }
  return `done ${steps} steps`;
});

/** Fails for good (no retry) the first time it sees `key`; succeeds with `key` when re-run. */
export const gate = task('gate', (key: string) => {
  if (!failedOnce.has(key)) {
    failedOnce.add(key);
    throw new Fail(`gate ${key} is closed the first time`);
  }
  return key;
});

/** Echoes its argument (hostile text comes back as the result). */
export const echo = task('echo', (value: unknown) => value);
