import type { LeasedJob } from '../../brokers/contract.js';
import type { JobMessage } from '../../protocol/index.js';

/** The `job` frame of a leased job. `deadline` is informational (server clock); workers time attempts with `options.timeout`. */
export function toJobMessage(job: LeasedJob): JobMessage {
  const timeout = job.options.timeout;
  return {
    type: 'job',
    id: job.id,
    lease: job.token,
    task: job.task,
    queue: job.queue,
    args: job.args,
    attempt: job.attempt,
    deadline: timeout === undefined ? null : Date.now() + timeout,
    options:
      timeout === undefined
        ? { retries: job.options.retries, backoff: job.options.backoff }
        : { retries: job.options.retries, timeout, backoff: job.options.backoff },
  };
}
