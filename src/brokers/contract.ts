/**
 * The broker contract: where jobs wait, are leased to workers, and where
 * their results and reports are kept. `core/` talks to brokers only through
 * this file; each broker lives in its own folder and imports only `core/`.
 *
 * Lease states of one job:
 *
 *   (no lease) ──lease()──▶ held(token, expiresAt) ──extend()──▶ held(token, later)
 *        ▲                        │ ack / nack / release with this token
 *        └── expiry or cancel ────┘ (token becomes stale: any later call with it is refused)
 *
 * Every method that takes a {@link LeaseRef} refuses a stale token with
 * `StaleLeaseError`, so one job has one recorded outcome (RELIABILITY G2).
 * All times are epoch ms on the broker's own clock (S23).
 */
import type { BackoffOptions } from '../core/backoff.js';
import type { ErrorInfo } from '../core/errors.js';
import type { BrokerReport, JobStatus, Report } from '../core/report.js';

/** Per-job options a broker stores and hands to whoever leases the job. */
export interface StoredJobOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Milliseconds per attempt, or undefined for none. */
  timeout?: number | undefined;
  backoff: BackoffOptions;
}

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
}

/** What enqueue did with one request. */
export interface EnqueueResult {
  /** The job's id: the request's, or the existing job's on a key match. */
  id: string;
  status: JobStatus;
  /** True when `key` matched a live job and nothing new was created. */
  duplicate: boolean;
  /** Opaque to callers: handed back to {@link Broker.outcome} so an in-process broker skips a lookup by id. */
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

/** What a broker can do beyond the contract's minimum. */
export interface BrokerCapabilities {
  /** Jobs survive a restart of the process (and of the broker). */
  durable: boolean;
  /** Several processes can share the broker. */
  shared: boolean;
}

/**
 * A broker. Leasing, renewal and completion (the part a worker needs) come
 * first; then results and reports; then inspection. Every implementation
 * passes `test/conformance/broker.suite.ts`.
 */
export interface Broker {
  /** Short name for logs, e.g. `memory`, `sqlite`. */
  readonly name: string;
  readonly capabilities: BrokerCapabilities;

  /** Opens connections; idempotent. Rejects with a BrokerError naming the URL when unreachable. */
  connect(): Promise<void>;
  /** Releases every resource; idempotent. Jobs stay where they are (durable brokers keep them). */
  close(): Promise<void>;

  /** Adds jobs atomically where the broker can (one round trip for a batch). */
  enqueue(jobs: readonly EnqueueRequest[]): Promise<EnqueueResult[]>;
  /** Leases up to `max` ready jobs, highest priority first, FIFO within a priority. Never waits. */
  lease(request: LeaseRequest): Promise<LeasedJob[]>;
  /** Renews leases; returns, per lease, whether it is still held (false = lost, stop the work). */
  extend(leases: readonly LeaseRef[], leaseMs: number): Promise<boolean[]>;
  /** Records success. Throws StaleLeaseError if the lease moved on. */
  ack(lease: LeaseRef, result: unknown): Promise<void>;
  /** Records a failed attempt: back to `delayed` for a retry, or `failed` for good. Throws StaleLeaseError. */
  nack(lease: LeaseRef, outcome: NackOutcome): Promise<void>;
  /** Hands leased jobs back unfinished (shutdown): queued again, the attempt not counted. Stale ones are ignored. */
  release(leases: readonly LeaseRef[]): Promise<void>;
  /** Records progress. Throws StaleLeaseError. */
  progress(lease: LeaseRef, value: unknown): Promise<void>;

  /** Called whenever jobs may have become leasable (enqueue, delay due, release). Returns an unsubscribe. */
  onReady(listener: () => void): () => void;
  /** Called when an active job is cancelled, so its holder can abort it. */
  onCancel(listener: (jobId: string) => void): () => void;
  /** Every report of every job, as it is recorded. */
  onReport(listener: (report: BrokerReport) => void): () => void;

  /** The job, or undefined if unknown or expired. */
  getJob(id: string): Promise<JobSnapshot | undefined>;
  /** The job's reports so far plus a live feed; undefined if the job is unknown. */
  watch(id: string, listener: (report: Report) => void): Promise<ReportWatch | undefined>;
  /**
   * Optional fast path of `Job.result()` for in-process brokers: a promise of
   * the job's outcome — its result, or a rejection with JobFailedError or
   * JobCancelledError — without building reports. Undefined if the job is
   * unknown. `hint` is the `hint` its enqueue result carried. Brokers
   * without this method are served through `watch`.
   */
  outcome?(id: string, hint?: unknown): Promise<unknown> | undefined;
  /** Cancels a job (see {@link CancelResult}). */
  cancel(id: string): Promise<CancelResult>;
  /** Re-runs a `failed` or `cancelled` job: queued again with a fresh attempt count. Undefined if not found or not finished. */
  retry(id: string): Promise<JobSnapshot | undefined>;

  /** Counts per queue that has, or had, jobs. */
  counts(): Promise<QueueCounts[]>;
  /** Lists jobs in one status, newest first, paged. */
  listJobs(query: ListJobsQuery): Promise<JobPage>;
}

/** Options every broker factory accepts. */
export interface BrokerOptions {
  /** How long results and reports of finished jobs are kept (ms). @default 86_400_000 */
  resultTtl?: number;
  /** How often expired leases and due delays are swept (ms). @default 1000 */
  sweepInterval?: number;
}
