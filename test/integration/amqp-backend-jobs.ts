import type { NewJob } from '../../src/brokers/amqp/backend.js';

const OPTIONS = { retries: 1, backoff: { type: 'fixed' as const, delay: 0, max: 0 } };

/** A job to insert into an AMQP result backend directly (task `t`, queue `q1`, one retry, nonce `n-<id>`). */
export function backendJob(id: string, extra: Partial<NewJob> = {}): NewJob {
  const now = Date.now();
  return {
    id,
    task: 't',
    queue: 'q1',
    args: `["${id}"]`,
    priority: 0,
    createdAt: now,
    runAt: now,
    delayed: false,
    key: undefined,
    options: OPTIONS,
    nonce: `n-${id}`,
    ...extra,
  };
}
