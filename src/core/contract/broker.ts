/**
 * The broker contract: where jobs wait, are leased to workers, and where
 * their results and reports are kept. It lives in `core/` because core
 * calls it; every broker (in `brokers/`) imports it from here, never the
 * other way round (docs/architecture.md, "Layers").
 *
 * It comes in parts, smallest first, so a broker author sees what a worker
 * needs before the rest:
 * - {@link WorkerBroker}: connect, enqueue, lease, extend, ack, nack,
 *   release, progress, onReady, onCancel — what the herd uses;
 * - {@link BrokerInspection}: getJob, watch, cancel, retry, counts,
 *   listJobs, and the optional report feed `onReport`;
 * - {@link QueueSettingsStore}: per-queue settings, optional;
 * - {@link QueueControl}: their enforcement at lease time, optional;
 * - {@link ScheduleStore}: schedules and their atomic fires, optional;
 * - {@link WorkerDirectory}: the workers of every process sharing the broker, optional;
 * - {@link JobLogStore}: handlers' log lines kept with their jobs, optional;
 * - {@link FlowStore}: flows (chain, group, chord) advanced atomically, optional.
 * What a broker can and cannot do beyond that is declared in
 * {@link BrokerCapabilities} or by an optional member being absent —
 * never by a method that silently does nothing.
 *
 * Lease states of one job:
 *
 *   (no lease) ──lease()──▶ held(token, expiresAt) ──extend()──▶ held(token, later)
 *        ▲                        │ ack / nack / release with this token
 *        └── expiry or cancel ────┘ (token becomes stale: any later call with it is refused)
 *
 * Every method that takes a {@link LeaseRef} refuses a stale token with
 * `StaleLeaseError`, so one job has one recorded outcome (docs/reliability.md
 * G2). All times are epoch ms on the broker's own clock (S23).
 */
import type { BrokerReport, Report } from '../report.js';
import type {
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobPage,
  JobSnapshot,
  LeasedJob,
  LeaseRef,
  LeaseRequest,
  ListJobsQuery,
  NackOutcome,
  QueueCounts,
  ReportWatch,
} from './jobs.js';
import type { QueueControl } from './queue-control.js';
import type { QueueSettingsStore } from './queue-settings.js';
import type { ScheduleStore } from './schedules.js';
import type { WorkerDirectory } from './worker-directory.js';
import type { JobLogStore } from './job-logs.js';
import type { FlowStore } from './flows.js';

/**
 * What a broker can do beyond the contract's minimum. The two required
 * flags existed first; the optional ones were added later and read as their
 * `@default` when a broker leaves them out (use {@link resolveCapabilities}).
 */
export interface BrokerCapabilities {
  /** Jobs survive a restart of the process (and of the broker). */
  durable: boolean;
  /** Several processes can share the broker. */
  shared: boolean;
  /**
   * `ack`, `nack` and `progress` resolve once the broker recorded them. When
   * false they resolve once sent: a stale lease known locally still throws
   * StaleLeaseError, but a refusal that arrives later is only logged.
   * @default true
   */
  confirmsOutcomes?: boolean;
  /** `enqueue` keeps each request's `id`. When false the broker names jobs itself (see `EnqueueResult.id`). @default true */
  keepsIds?: boolean;
  /**
   * `pull`: `lease()` takes what is ready now, from the queues it is asked
   * for, for `leaseMs`, and an unrenewed lease expires. `push`: jobs are
   * pushed to this process and wait for `lease()`; the queues of the first
   * `lease()` are kept, the broker chooses the lease length and holds the
   * lease while this process is connected, so expiry is the broker's
   * business (the `ws://` broker).
   * @default 'pull'
   */
  leasing?: 'pull' | 'push';
}

/** {@link BrokerCapabilities} with every optional flag filled in with its default. */
export type ResolvedBrokerCapabilities = Required<BrokerCapabilities>;

/** Fills in the defaults of the optional capability flags. */
export function resolveCapabilities(capabilities: BrokerCapabilities): ResolvedBrokerCapabilities {
  return {
    durable: capabilities.durable,
    shared: capabilities.shared,
    confirmsOutcomes: capabilities.confirmsOutcomes ?? true,
    keepsIds: capabilities.keepsIds ?? true,
    leasing: capabilities.leasing ?? 'pull',
  };
}

/** The worker's part of a broker: what the herd and the server's gateway need. */
export interface WorkerBroker {
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
  /**
   * Optional synchronous lane of an in-process broker: `enqueue` (of one
   * job) and `lease` done by the time they return (they throw where those
   * reject). The app's
   * `call()` and the herd use them when present, saving a promise and a turn
   * per job; brokers behind a round trip leave them out.
   */
  enqueueNow?(job: EnqueueRequest): EnqueueResult;
  /** See `enqueueNow`: `lease()` done by the time it returns. */
  leaseNow?(request: LeaseRequest): LeasedJob[];
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
}

/** Results, reports and the admin operations: what callers, the server and the CLI need. */
export interface BrokerInspection {
  /**
   * Every report of every job, as it is recorded. Optional: a broker that
   * cannot see every job's reports (the `ws://` broker) leaves it out, and
   * the app's `job:*` events then cover only what this process can see.
   */
  onReport?(listener: (report: BrokerReport) => void): () => void;

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

/**
 * A broker: the worker's part, inspection, and optionally the queue
 * settings (both methods or neither) and flow control (all of its methods or none). Every implementation passes the conformance suite
 * (`drover/testing`, docs/brokers.md), skipping only what its capabilities
 * say it lacks.
 */
export interface Broker
  extends
    WorkerBroker,
    BrokerInspection,
    Partial<QueueSettingsStore>,
    Partial<QueueControl>,
    Partial<ScheduleStore>,
    Partial<WorkerDirectory>,
    Partial<JobLogStore>,
    Partial<FlowStore> {}

/** Options every broker factory accepts. */
export interface BrokerOptions {
  /** How long results and reports of finished jobs are kept (ms). @default 86_400_000 */
  resultTtl?: number;
  /** How often expired leases and due delays are swept (ms). @default 1000 */
  sweepInterval?: number;
}

/** The defaults of {@link BrokerOptions}, shared by every broker's own defaults object. */
export const BROKER_DEFAULTS = Object.freeze({
  resultTtl: 86_400_000,
  sweepInterval: 1000,
} satisfies Required<BrokerOptions>);
