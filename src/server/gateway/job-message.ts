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
    // Every stored option of the options table travels as is (an undefined one is left out of the JSON).
    options: job.options,
  };
}
