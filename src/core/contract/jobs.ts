/**
 * The data a broker and its callers exchange: enqueue requests, leases,
 * outcomes, snapshots, listings. The interfaces that use them are in
 * `broker.ts`; docs/architecture.md describes the whole contract.
 */
import type { ErrorInfo } from '../errors.js';
import type { StoredJobOptions } from '../options-table.js';
import type { JobStatus, Report } from '../report.js';
import type { FlowLink } from './flows.js';

export type { StoredJobOptions };

/** One job to enqueue. The caller (core) has resolved every option. */
export interface EnqueueRequest {
  id: string;
  task: string;
  queue: string;
  args: unknown[];
  /** Higher runs first. */
  priority: number;
  /** Run no earlier than this many ms from now (relative, so clock skew cannot bite). 0 = now. */
  delayMs: number;
  /** Idempotency key: while a job with this key is queued, delayed or active, return that job. */
  key?: string | undefined;
  options: StoredJobOptions;
  /** Set on a step of a flow (contract/flows.ts): its success advances the flow. */
  flow?: FlowLink | undefined;
}

/** What enqueue did with one request. */
export interface EnqueueResult {
  /** The job's id: the request's, or the existing job's on a key match. */
  id: string;
  status: JobStatus;
  /** True when `key` matched a live job and nothing new was created. */
  duplicate: boolean;
  /** Opaque to callers: handed back to `Broker.outcome` so an in-process broker skips a lookup by id. */
  hint?: unknown;
}

/** Identifies one lease of one job. */
export interface LeaseRef {
  id: string;
  token: string;
}

/** A job as handed to a worker, with its lease. */
export interface LeasedJob extends LeaseRef {
  task: string;
  queue: string;
  args: unknown[];
  /** 1 on the first lease; counted at lease time. */
  attempt: number;
  options: StoredJobOptions;
  /** When the lease runs out unless extended (broker clock). */
  expiresAt: number;
}

/** What to lease. */
export interface LeaseRequest {
  /** Queues to take from; highest priority across them first. */
  queues: readonly string[];
  /** At most this many jobs. */
  max: number;
  /** Lease length in ms. */
  leaseMs: number;
  /** Who holds the lease (for listings and logs). */
  workerId?: string | undefined;
  /**
   * A hint from a herd that runs short jobs back to back: it will lease again
   * within moments, so a broker with a round trip per lease may lease up to
   * this many more jobs now and hand them out on the next call (briefly: a
   * job held back too long goes back to its queue). Brokers may ignore it.
   */
  ahead?: number | undefined;
}

/** A failed attempt: retry at a time, or fail for good. */
export interface NackOutcome {
  error: ErrorInfo;
  /** Milliseconds until the retry; undefined = the job fails for good. */
  retryInMs?: number | undefined;
}

/** Everything known about one job. */
export interface JobSnapshot {
  id: string;
  task: string;
  queue: string;
  args: unknown[];
  status: JobStatus;
  attempt: number;
  priority: number;
  key?: string | undefined;
  options: StoredJobOptions;
  progress?: unknown;
  result?: unknown;
  error?: ErrorInfo | undefined;
  createdAt: number;
  runAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  workerId?: string | undefined;
  /** The flow this job is a step of. */
  flowId?: string | undefined;
}

/** Outcome of {@link Broker.cancel}. */
export type CancelResult =
  /** was queued or delayed: removed */
  | 'cancelled'
  /** was active: marked cancelled, its lease is now stale, holders were told through `onCancel` */
  | 'aborted'
  /** already finished: nothing changed */
  | 'finished'
  | 'not_found';

/** Per-queue counts (gowork's QueueSize). */
export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  succeeded: number;
  failed: number;
}

/** A page of a job listing. */
export interface JobPage {
  jobs: JobSnapshot[];
  /** Pass back as `cursor` for the next page; undefined on the last page. */
  next?: string | undefined;
}

/** What to list. */
export interface ListJobsQuery {
  status: JobStatus;
  queue?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A history of reports and a live subscription, taken atomically. */
export interface ReportWatch {
  /** Every report so far, from `queued` on. */
  history: Report[];
  /** Stop receiving live reports. */
  stop(): void;
}
