/**
 * A schedule's fire on the AMQP broker. As with every enqueue here, the
 * ticket is published (and confirmed) before the state commits; then the
 * backend does the compare-and-set of the tick and the job's insert in one
 * write. A ticket whose fire lost the race (another process fired the tick)
 * names a job that never exists: the leaser parks it as `future` and drops
 * it. A cheap read first keeps the usual case — the tick already fired —
 * from publishing anything.
 */
import type { Codec } from '../../core/codec.js';
import { fireOutcome } from '../../core/contract/schedule-rules.js';
import type { EnqueueRequest, FireOutcome, FireRequest } from '../contract.js';
import type { BackendSchedules, Changed, NewJob, ResultBackend } from './backend.js';
import { encode } from './report-hub.js';
import { ticketOf } from './ticket.js';
import { freshToken } from './tokens.js';
import type { WorkQueues } from './work-queues.js';

/** The backend's new job for an enqueue request, with the nonce of its first ticket. */
export function newJob(req: EnqueueRequest, codec: Codec, now: number): NewJob {
  return {
    id: req.id,
    task: req.task,
    queue: req.queue,
    args: encode(codec, req.args),
    priority: req.priority,
    createdAt: now,
    runAt: now + (req.delayMs > 0 ? Math.ceil(req.delayMs) : 0),
    delayed: req.delayMs > 0,
    key: req.key,
    options: req.options,
    nonce: freshToken(),
  };
}

/** Fires one tick; see the module comment. */
export async function fireThroughBackend(
  backend: ResultBackend & BackendSchedules,
  work: WorkQueues,
  request: FireRequest,
  job: NewJob,
): Promise<Changed<FireOutcome>> {
  const record = (await backend.listSchedules()).find((r) => r.name === request.name);
  if (fireOutcome(record, request, () => false) === 'stale') return { value: 'stale', notes: [] };
  const now = job.createdAt;
  await work.publish([
    { queue: job.queue, ticket: ticketOf(job.id, 1, job.nonce, job.priority, now, job.runAt - now) },
  ]);
  return backend.fireSchedule(request, job);
}
