import type { JobView, ReportSummary } from './types.js';

/** What the dashboard's job lists show of one job. */
export interface JobRow {
  id: string;
  task: string;
  queue: string;
  status: string;
  attempt: number;
  /** Last change (epoch ms). */
  at: number;
  /** When the current attempt started (active jobs). */
  startedAt?: number | undefined;
  progress?: unknown;
  error?: { name: string; message: string } | undefined;
}

/** Most rows of each list kept (older ones fall off: memory stays bounded however long the page is open). */
export const MAX_ROWS = 50;

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * The job lists of the overview: running (active), recent (everything else
 * that changed lately) and dead letters (failed), kept up to date from
 * report summaries and reloaded from the API after a gap.
 */
export class JobStore {
  readonly running = new Map<string, JobRow>();
  readonly recent = new Map<string, JobRow>();
  readonly dead = new Map<string, JobRow>();

  /** Replaces the lists with what the API listed. */
  load(active: JobView[], recent: JobView[], failed: JobView[]): void {
    this.running.clear();
    this.recent.clear();
    this.dead.clear();
    for (const job of active) this.running.set(job.id, fromView(job));
    for (const job of recent.sort((a, b) => changedAt(a) - changedAt(b))) this.recent.set(job.id, fromView(job));
    for (const job of failed.sort((a, b) => changedAt(a) - changedAt(b))) this.dead.set(job.id, fromView(job));
    trim(this.recent);
    trim(this.dead);
  }

  /** Applies one report summary. */
  apply(r: ReportSummary): void {
    const known = this.running.get(r.jobId) ?? this.recent.get(r.jobId);
    if (known && known.at > r.at) return;
    const row: JobRow = {
      id: r.jobId,
      task: r.task,
      queue: r.queue,
      status: r.status === 'progress' ? 'active' : r.status === 'retrying' ? 'delayed' : r.status,
      attempt: r.attempt,
      at: r.at,
      progress: r.status === 'progress' ? r.progress : r.status === 'active' ? undefined : known?.progress,
      startedAt: r.status === 'active' ? r.at : known?.startedAt,
      error: r.error,
    };
    if (row.status === 'active') {
      this.recent.delete(r.jobId);
      this.running.set(r.jobId, row);
      trim(this.running);
    } else {
      this.running.delete(r.jobId);
      this.recent.delete(r.jobId);
      this.recent.set(r.jobId, row);
      trim(this.recent);
    }
    if (r.status === 'failed') {
      this.dead.delete(r.jobId);
      this.dead.set(r.jobId, row);
      trim(this.dead);
    } else if (r.status === 'queued') {
      this.dead.delete(r.jobId);
    }
  }

  /** A job left the dead letters (re-run). */
  revived(id: string): void {
    this.dead.delete(id);
  }

  /** A list, newest change first. */
  static newestFirst(map: Map<string, JobRow>): JobRow[] {
    return [...map.values()].reverse();
  }

  /** True for a status after which a job does not change. */
  static terminal(status: string): boolean {
    return TERMINAL.has(status);
  }
}

function fromView(job: JobView): JobRow {
  return {
    id: job.id,
    task: job.task,
    queue: job.queue,
    status: job.status,
    attempt: job.attempt,
    at: changedAt(job),
    startedAt: job.startedAt ?? undefined,
    progress: job.progress ?? undefined,
    error: job.error ? { name: job.error.name, message: job.error.message } : undefined,
  };
}

function changedAt(job: JobView): number {
  return job.finishedAt ?? job.startedAt ?? job.createdAt;
}

/** Keeps the newest MAX_ROWS (a Map iterates in insertion order: the oldest first). */
function trim(map: Map<string, JobRow>): void {
  for (const key of map.keys()) {
    if (map.size <= MAX_ROWS) return;
    map.delete(key);
  }
}
