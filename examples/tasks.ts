/**
 * The example tasks `npm start` serves:
 *
 *   npm start                                   # drover server on ./drover.db with these tasks
 *   npx drover call add 2 3 --wait              # 5
 *   npx drover call slow 20 --wait              # a progress bar, then "done 20 steps"
 *   npx drover call flaky 2 --wait              # fails twice, then succeeds: 3 (attempts)
 *   npx drover call broken '"boom"' --wait      # fails for good; see it with `drover status`, re-run with `drover retry <id>`
 */
import { Fail, Retry, currentJob, task } from '../src/index.js';

/** Adds two numbers. */
export const add = task('add', (a: number, b: number) => a + b);

/** Takes `steps` × 100 ms and reports its progress after every step. */
export const slow = task(
  'slow',
  async (steps: number) => {
    const job = currentJob();
    for (let step = 1; step <= steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (job.signal.aborted) throw job.signal.reason;
      await job.progress({ done: step, total: steps });
    }
    return `done ${steps} steps`;
  },
  { timeout: 120_000 },
);

/** Fails its first `failures` attempts (asking for a quick retry), then succeeds with the attempt number. */
export const flaky = task(
  'flaky',
  (failures: number) => {
    const { attempt } = currentJob();
    if (attempt <= failures) throw new Retry(`attempt ${attempt} failed on purpose`, { delay: 200 });
    return attempt;
  },
  { retries: 5 },
);

/** Always fails, without retrying: it lands in the dead letters (`GET /v1/jobs?status=failed`). */
export const broken = task('broken', (reason: string) => {
  throw new Fail(`broken: ${reason}`);
});
