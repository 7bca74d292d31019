import type { JobPage, ListJobsQuery } from '../../core/contract/index.js';
import { isTerminalStatus } from '../../core/report.js';
import type { FinishedJobs } from './finished-jobs.js';
import type { JobIndex } from './job-index.js';
import type { MemoryJob } from './memory-job.js';
import { jobSnapshot } from './memory-job.js';

/** `listJobs` of the memory broker: one page, newest first; the cursor is a job's `seq`. */
export function listMemoryJobs(live: JobIndex, finished: FinishedJobs, query: ListJobsQuery): JobPage {
  const start = query.cursor === undefined ? Infinity : Number(query.cursor);
  const queue = query.queue;
  const page = isTerminalStatus(query.status)
    ? finished.page(
        (status, kind, seq) => status === query.status && seq < start && (queue === undefined || kind.queue === queue),
        query.limit,
      )
    : livePage(live, query, start);
  const last = page.jobs[page.jobs.length - 1];
  return { jobs: page.jobs.map(jobSnapshot), next: page.more && last ? String(last.seq) : undefined };
}

/** Live jobs of the query's status, newest first: the first `limit`, and whether more matched. */
function livePage(live: JobIndex, query: ListJobsQuery, start: number): { jobs: MemoryJob[]; more: boolean } {
  const matches: MemoryJob[] = [];
  for (const job of live.values()) {
    if (job.status === query.status && job.seq < start && (query.queue === undefined || job.kind.queue === query.queue))
      matches.push(job);
  }
  matches.sort((a, b) => b.seq - a.seq);
  return { jobs: matches.slice(0, query.limit), more: matches.length > query.limit };
}
