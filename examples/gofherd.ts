/**
 * gofherd's example: ten work items through a herd with success, retry and
 * failure callbacks and a maximum of retries. Items 0–5 succeed, 6–7 need a
 * retry first, 8–9 always ask for retries and fail once they run out.
 *
 *   npx tsx examples/gofherd.ts
 */
import { Drover, Retry, currentJob } from '../src/index.js';

const app = new Drover();
const MAX_RETRIES = 2;

const processWork = app.task(
  'process-work',
  (item: number) => {
    const { attempt } = currentJob();
    if (item >= 8) throw new Retry(`item ${item} is not ready`);
    if (item >= 6 && attempt === 1) throw new Retry(`item ${item} needs a second try`);
    return item + 10;
  },
  { retries: MAX_RETRIES, backoff: { type: 'fixed', delay: 10 } },
);

const names = new Map<string, number>();
app.on('job:succeeded', (e) =>
  console.log(`workID:${names.get(e.jobId)}, status: success, result:${String(e.result)}`),
);
app.on('job:retrying', (e) => console.log(`workID:${names.get(e.jobId)}, status: retry, attempt:${e.attempt}`));
app.on('job:failed', (e) => console.log(`workID:${names.get(e.jobId)}, status: failure, error:${e.error?.message}`));

const worker = app.worker({ concurrency: 0 }); // a herd of size 0, as in the original
const jobs = await processWork.callMany(Array.from({ length: 10 }, (_, i) => [i] as [number]));
jobs.forEach((job, i) => names.set(job.id, i));
worker.concurrency = 4; // grow the herd live (gofherd's PATCH /herd)

const outcomes = await Promise.allSettled(jobs.map((job) => job.result()));
const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
console.log(`${ok} succeeded, ${outcomes.length - ok} failed after ${MAX_RETRIES} retries`);
await app.close();
