import { describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { MAX_JOB_LOG_LINE_CHARS, currentJob } from '../../../src/index.js';
import { makeApp, sleep } from './helpers.js';

describe('currentJob().log lines kept with the job', () => {
  test('info and above are kept in order per attempt, whatever the logger level; debug is not; long lines are cut', async () => {
    const app = makeApp({ logger: pino({ level: 'silent' }) });
    const chatty = app.task('chatty', (fail: boolean) => {
      const log = currentJob().log;
      log.info('attempt %d', currentJob().attempt);
      log.debug('never kept');
      log.error(new Error('kaput'), 'while working');
      log.warn({ huge: 'x'.repeat(MAX_JOB_LOG_LINE_CHARS * 2) });
      if (fail && currentJob().attempt === 1) throw new Error('again');
      return 'ok';
    });
    app.worker({ concurrency: 1 });
    const job = await chatty.with({ retries: 1, backoff: { type: 'fixed', delay: 1, max: 1 } }).call(true);
    expect(await job.result()).toBe('ok');
    const broker = await app.broker();
    const lines = (await broker.jobLogs!(job.id))!;
    expect(lines.map((l) => [l.attempt, l.level, l.msg.slice(0, 20)])).toEqual([
      [1, 'info', 'attempt 1'],
      [1, 'error', 'while working: kaput'],
      [1, 'warn', '{"huge":"xxxxxxxxxxx'],
      [2, 'info', 'attempt 2'],
      [2, 'error', 'while working: kaput'],
      [2, 'warn', '{"huge":"xxxxxxxxxxx'],
    ]);
    expect(lines[2]!.msg.length).toBe(MAX_JOB_LOG_LINE_CHARS);
  });

  test('a handler that never logs costs no log store call', async () => {
    const app = makeApp({ logger: pino({ level: 'silent' }) });
    const quiet = app.task('quiet', () => 1);
    app.worker({ concurrency: 1 });
    const job = await quiet.call();
    await job.result();
    await sleep(250);
    expect(await (await app.broker()).jobLogs!(job.id)).toEqual([]);
  });
});
