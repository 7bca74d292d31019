import type { Logger } from 'pino';
import type { Drover } from '../core/app.js';
import type { JobEvent } from '../core/events.js';

/**
 * Logs gowork's server events from the app's events: work added
 * (`job:queued`), fetched (`job:active`), completed (`job:succeeded`),
 * failed, timed out, stalled — at debug, so they cost nothing unless
 * asked for — and remote workers registering or failing to verify.
 * Returns a function that detaches every listener.
 */
export function attachEventLog(app: Drover, logger: Logger): () => void {
  const off: (() => void)[] = [];
  if (logger.isLevelEnabled('debug')) {
    const job = (message: string) => (e: JobEvent) =>
      logger.debug({ jobId: e.jobId, task: e.task, queue: e.queue, attempt: e.attempt }, message);
    off.push(app.on('job:queued', job('work added')));
    off.push(app.on('job:active', job('work fetched')));
    off.push(app.on('job:succeeded', job('work completed')));
    off.push(app.on('job:retrying', job('work will be retried')));
    off.push(
      app.on('job:failed', (e) =>
        logger.debug({ jobId: e.jobId, task: e.task, attempt: e.attempt, error: e.error?.message }, 'work failed'),
      ),
    );
    off.push(app.on('job:stalled', job('work stalled: its lease expired')));
    off.push(
      app.on('job:timeout', (e) =>
        logger.debug({ jobId: e.jobId, task: e.task, attempt: e.attempt, timeoutMs: e.timeoutMs }, 'work timed out'),
      ),
    );
  }
  off.push(
    app.on('worker:registered', (e) =>
      logger.info({ workerId: e.workerId, name: e.name, address: e.address }, 'worker registered'),
    ),
  );
  off.push(
    app.on('worker:verify-failed', (e) =>
      logger.warn({ workerId: e.workerId, address: e.address, reason: e.reason }, 'worker failed to verify'),
    ),
  );
  off.push(
    app.on('worker:disconnected', (e) =>
      logger.info({ workerId: e.workerId, name: e.name, reason: e.reason }, 'worker disconnected'),
    ),
  );
  return () => {
    for (const f of off.splice(0)) f();
  };
}
