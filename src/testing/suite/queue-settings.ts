import { expect } from 'vitest';
import type { SuiteContext } from './helpers.js';
import { enqueueAndLease, queueName } from './helpers.js';

/** The optional queue-settings part, and stored job options that only travel (group). */
export function queueSettingsTests({ open, test }: SuiteContext): void {
  test(
    '.setQueueSettings() - stored per queue over the defaults; undefined puts a setting back',
    async () => {
      const broker = await open();
      const [queue, other] = [queueName(), queueName()];
      expect(await broker.getQueueSettings!(queue)).toEqual({ paused: false });
      const set = await broker.setQueueSettings!(queue, { rateLimit: { max: 10, per: 1000 }, groupConcurrency: 2 });
      expect(set).toEqual({ paused: false, rateLimit: { max: 10, per: 1000 }, groupConcurrency: 2 });
      expect(await broker.setQueueSettings!(queue, { paused: true, groupConcurrency: undefined })).toEqual({
        paused: true,
        rateLimit: { max: 10, per: 1000 },
      });
      expect(await broker.getQueueSettings!(queue)).toEqual({ paused: true, rateLimit: { max: 10, per: 1000 } });
      expect(await broker.getQueueSettings!(other)).toEqual({ paused: false });
    },
    ['queueSettings'],
  );

  test(
    '.setQueueSettings() - a bad setting is refused naming it, and nothing changes',
    async () => {
      const broker = await open();
      const queue = queueName();
      await broker.setQueueSettings!(queue, { retention: 5000 });
      await expect(broker.setQueueSettings!(queue, { groupConcurrency: 0 })).rejects.toThrow(
        /settings\.groupConcurrency.*integer in \[1, 1000000\].*got 0/,
      );
      await expect(
        broker.setQueueSettings!(queue, { rateLimit: { max: 1, per: 1, burst: 3 } } as never),
      ).rejects.toThrow(/Unknown option `burst` in `settings.rateLimit`/);
      expect(await broker.getQueueSettings!(queue)).toEqual({ paused: false, retention: 5000 });
    },
    ['queueSettings'],
  );

  test('group - a stored job option: kept on the snapshot and handed to the lease holder', async () => {
    const broker = await open();
    const queue = queueName();
    const options = {
      retries: 1,
      backoff: { type: 'fixed' as const, delay: 5, max: 5, jitter: false },
      group: 'tenant-42',
    };
    const job = await enqueueAndLease(broker, queue, { options });
    expect(job.options).toEqual(options);
    expect((await broker.getJob(job.id))?.options).toEqual(options);
    await broker.ack(job, null);
  });
}
