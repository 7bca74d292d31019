import type { EnqueueRequest, EnqueueResult } from '../../core/contract/index.js';
import type { JobStatus } from '../../core/report.js';
import type { Engine } from './engine.js';
import type { Stored } from './rows.js';
import { encode, serializeOptions } from './rows.js';
import type { Tx } from './write-queue.js';

/** A request with its values already encoded (outside the transaction, so a codec error fails only its call). */
export interface EncodedRequest {
  req: EnqueueRequest;
  args: Stored;
  options: string;
}

/** Encodes requests for {@link enqueueJobs}. Throws on values the codec refuses. */
export function encodeRequests(engine: Engine, jobs: readonly EnqueueRequest[]): EncodedRequest[] {
  const codec = engine.options.codec;
  return jobs.map((req) => ({ req, args: encode(codec, req.args), options: serializeOptions(req.options) }));
}

/**
 * Inserts jobs in the caller's transaction (so a batch is atomic), each with
 * its `queued` report. A `key` held by a live job, or by an earlier job of the
 * same batch, returns that job instead.
 */
export function enqueueJobs(engine: Engine, tx: Tx, jobs: readonly EncodedRequest[]): EnqueueResult[] {
  const { s, reports } = engine;
  const results: EnqueueResult[] = new Array<EnqueueResult>(jobs.length);
  let ready = false;
  for (let i = 0; i < jobs.length; i++) {
    const { req, args, options } = jobs[i]!;
    const key = req.key ?? null;
    if (key !== null) {
      const live = s.findLiveKey.get(key) as { id: string; status: JobStatus } | undefined;
      if (live) {
        results[i] = { id: live.id, status: live.status, duplicate: true };
        continue;
      }
    }
    const delayed = req.delayMs > 0;
    const status: JobStatus = delayed ? 'delayed' : 'queued';
    const runAt = delayed ? tx.now + Math.ceil(req.delayMs) : tx.now;
    s.insertJob.run(
      req.id,
      req.task,
      req.queue,
      args,
      status,
      req.priority,
      req.options.retries,
      options,
      key,
      runAt,
      tx.now,
      req.flow?.flowId ?? null,
      req.flow?.step ?? null,
    );
    reports.record(tx, req, 1, 'queued', 0);
    results[i] = { id: req.id, status, duplicate: false };
    ready ||= !delayed;
  }
  if (ready) tx.after(() => engine.signals.ready());
  return results;
}
