import { expect } from 'vitest';
import type { JobLogLine } from '../../core/contract/index.js';
import { MAX_JOB_LOG_LINES } from '../../core/contract/index.js';
import type { SuiteContext } from './helpers.js';
import { enqueueAndLease, queueName } from './helpers.js';

const line = (i: number, attempt = 1): JobLogLine => ({
  at: 1_700_000_000_000 + i,
  attempt,
  level: i % 3 === 0 ? 'warn' : 'info',
  msg: `line ${i} with "quotes", a | bar and a\nnewline`,
});

/** The optional job-log part: handlers' log lines kept with their jobs. */
export function jobLogTests({ open, test }: SuiteContext): void {
  test(
    '.appendJobLogs() - the holder’s lines are kept in order, the last MAX_JOB_LOG_LINES of them, after the job finished',
    async () => {
      const broker = await open();
      const job = await enqueueAndLease(broker, queueName());
      expect(await broker.jobLogs!(job.id)).toEqual([]);
      expect(await broker.appendJobLogs!(job, [line(0), line(1)])).toBe(true);
      const many = Array.from({ length: MAX_JOB_LOG_LINES }, (_, i) => line(i + 2));
      expect(await broker.appendJobLogs!(job, many)).toBe(true);
      await broker.ack(job, 1);
      const kept = await broker.jobLogs!(job.id);
      expect(kept).toHaveLength(MAX_JOB_LOG_LINES);
      expect(kept![0]).toEqual(line(2));
      expect(kept!.at(-1)).toEqual(line(MAX_JOB_LOG_LINES + 1));
      expect(await broker.jobLogs!('no-such-job')).toBeUndefined();
    },
    ['jobLogs'],
  );

  test(
    '.appendJobLogs() - a stale lease keeps nothing and says so',
    async () => {
      const broker = await open();
      const job = await enqueueAndLease(broker, queueName());
      await broker.appendJobLogs!(job, [line(1)]);
      await broker.ack(job, 1);
      expect(await broker.appendJobLogs!(job, [line(2)])).toBe(false);
      expect(await broker.appendJobLogs!({ id: job.id, token: 'forged' }, [line(3)])).toBe(false);
      expect(await broker.jobLogs!(job.id)).toEqual([line(1)]);
    },
    ['jobLogs'],
  );
}
