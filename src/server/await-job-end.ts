import type { FastifyReply } from 'fastify';
import type { Broker } from '../brokers/contract.js';
import type { JobSnapshot } from '../core/contract/index.js';
import type { RouteContext } from './route-context.js';
import { waitForTerminal } from './wait-for-terminal.js';

/** How a long-poll for a job's end came out. */
export type JobEndWait = { gone: true } | { gone: false; job: JobSnapshot | undefined };

/**
 * Holds one of the server's long-poll slots (`ctx.waiters`, a 429 when all
 * are taken) while waiting up to `timeoutMs` for job `id` to end, then reads
 * the job as it is. `gone`: the client went away meanwhile, so nothing is to
 * be answered. Ends early when the server shuts down.
 */
export async function awaitJobEnd(
  ctx: RouteContext,
  broker: Broker,
  id: string,
  timeoutMs: number,
  reply: FastifyReply,
): Promise<JobEndWait> {
  const gone = new AbortController();
  const release = ctx.waiters.acquire(() => gone.abort());
  const onClose = (): void => gone.abort();
  reply.raw.once('close', onClose);
  try {
    const outcome = await waitForTerminal(broker, id, timeoutMs, gone.signal);
    if (outcome === 'aborted' && reply.raw.destroyed) return { gone: true };
    return { gone: false, job: await broker.getJob(id) };
  } finally {
    reply.raw.off('close', onClose);
    release();
  }
}
