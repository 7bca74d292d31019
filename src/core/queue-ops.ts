/**
 * The bulk queue actions that work through the plain broker contract, so
 * every broker has them (docs/flow-control.md): drain (cancel what waits)
 * and re-run every failed job. Both go page by page, so memory stays bounded
 * however long the queue; neither is atomic (a job enqueued meanwhile may be
 * left alone).
 */
import type { Broker } from './contract/index.js';

/** Jobs per page of a bulk action. */
const PAGE = 500;

/**
 * Cancels every `queued` and `delayed` job of `queue` (their callers see
 * `JobCancelledError`; the jobs stay inspectable as `cancelled` for the
 * result TTL). Returns how many were cancelled.
 */
export async function drainQueue(broker: Broker, queue: string): Promise<number> {
  let n = 0;
  for (const status of ['queued', 'delayed'] as const) {
    // Always the first page: cancelled jobs leave it, so offset cursors (Redis) cannot skip any.
    for (;;) {
      const page = await broker.listJobs({ status, queue, limit: PAGE });
      let cancelled = 0;
      for (const job of page.jobs) if ((await broker.cancel(job.id)) === 'cancelled') cancelled++;
      n += cancelled;
      if (page.next === undefined || cancelled === 0) break;
    }
  }
  return n;
}

/** Re-runs every `failed` job of `queue` (fresh attempt count); returns how many. */
export async function retryFailedJobs(broker: Broker, queue: string): Promise<number> {
  // Failed listings page by (finish time or sequence, id) on every broker: a re-run job leaving it shifts no cursor.
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await broker.listJobs({ status: 'failed', queue, limit: PAGE, cursor });
    for (const job of page.jobs) if (await broker.retry(job.id)) n++;
    cursor = page.next;
  } while (cursor !== undefined);
  return n;
}
