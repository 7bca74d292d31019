/**
 * The result backend of the AMQP broker (Celery's idea): RabbitMQ carries
 * tickets, the backend keeps each job's state. Implementations:
 * `sqlite-backend/` (better-sqlite3) and `redis-backend/` (ioredis).
 *
 * A ticket is `(id, gen, nonce)`. Every move of a job into `queued` or
 * `delayed` bumps `gen` and records the nonce of the one ticket published
 * for it; only that ticket may claim the job, and only the ticket that
 * claimed it may take it over when RabbitMQ redelivers it (its holder's
 * channel died). The ticket is published (and confirmed) BEFORE the state
 * change commits, so a crash in between leaves a ticket that the backend
 * calls `future` (and later stale), never a queued job without a ticket.
 *
 * Every method that takes a {@link BackendLease} changes nothing and
 * returns false (or a falsy outcome) when the token is stale.
 */
import type { ErrorInfo } from '../../core/errors.js';
import type { JobStatus, ReportStatus } from '../../core/report.js';
import type {
  CancelResult,
  FlowLink,
  FireOutcome,
  FireRequest,
  ListJobsQuery,
  QueueControl,
  QueueCounts,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
  StoredJobOptions,
} from '../contract.js';
import type { BackendFlows } from './backend-flows.js';

/** A value as stored: codec output, or null for `undefined`. */
export type Stored = string | Buffer | null;

/** A job to insert (its ticket is already confirmed by RabbitMQ). */
export interface NewJob {
  id: string;
  task: string;
  queue: string;
  args: Stored;
  priority: number;
  /** When it was enqueued (epoch ms, the clock of `runAt`). */
  createdAt: number;
  /** Due time (epoch ms, the same clock as the ticket's `dueAt`). */
  runAt: number;
  /** True when the job waits for `runAt` (status `delayed`). */
  delayed: boolean;
  key: string | undefined;
  options: StoredJobOptions;
  nonce: string;
  /** Set on a step of a flow (see `backend-flows.ts`). */
  flow?: FlowLink | undefined;
}

/** What insert did with one job. */
export interface InsertResult {
  id: string;
  status: JobStatus;
  duplicate: boolean;
}

/** A ticket as delivered. */
export interface TicketRef {
  id: string;
  gen: number;
  nonce: string;
  /** RabbitMQ's redelivered flag: the channel that held it died (or it was requeued). */
  redelivered: boolean;
  /** The drover queue it was delivered from: a hint for a backend's fast path, which checks it against the job's. */
  queue?: string | undefined;
}

/** A claimed job: the lease the worker gets. */
export interface ClaimedJob {
  id: string;
  task: string;
  queue: string;
  args: Stored;
  attempt: number;
  options: StoredJobOptions;
  token: string;
  expiresAt: number;
}

/** What a ticket found. */
export type ClaimOutcome =
  /**
   * `gated`: the job's queue has settings or a limit, so a flow gate admitted
   * it (such jobs are not leased ahead: lease-ahead.ts)
   */
  | { kind: 'claimed'; job: ClaimedJob; gated?: boolean }
  /** nothing to do for this ticket: drop it */
  | { kind: 'stale' }
  /** the state change this ticket announces has not committed yet: try again soon */
  | { kind: 'future' }
  /**
   * a flow limit holds the job back (docs/flow-control.md): it stays queued;
   * ask again after `retryInMs` (undefined: no time is known, e.g. paused or a full group)
   */
  | { kind: 'held'; retryInMs: number | undefined };

/** One lease held by a worker. */
export interface BackendLease {
  id: string;
  token: string;
}

/** A lease that ran out, as the sweeper sees it. */
export interface ExpiredLease extends BackendLease {
  queue: string;
  priority: number;
  gen: number;
  /** Attempts are spent: the job fails instead of being queued again. */
  spent: boolean;
}

/** The next ticket of a job moving to queued / delayed. */
export interface NextTicket {
  gen: number;
  nonce: string;
  /** Due time (epoch ms); at or before now = queued now. */
  runAt: number;
  delayed: boolean;
}

/** A report as the backend recorded it; the broker adds raw results and progress. */
export interface Note {
  id: string;
  task: string;
  queue: string;
  n: number;
  status: ReportStatus;
  attempt: number;
  at: number;
  error?: ErrorInfo | undefined;
}

/** A stored report. */
export interface ReportRecord {
  n: number;
  status: ReportStatus;
  attempt: number;
  at: number;
  progress: Stored;
  result: Stored;
  error?: ErrorInfo | undefined;
}

/** Everything stored about one job. */
export interface JobRecord {
  id: string;
  task: string;
  queue: string;
  args: Stored;
  status: JobStatus;
  attempt: number;
  priority: number;
  key?: string | undefined;
  options: StoredJobOptions;
  progress: Stored;
  result: Stored;
  error?: ErrorInfo | undefined;
  createdAt: number;
  runAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  workerId?: string | undefined;
  gen: number;
  /** The flow this job is a step of. */
  flowId?: string | undefined;
}

/** A page of job records. */
export interface RecordPage {
  jobs: JobRecord[];
  next?: string | undefined;
}

/** Changes plus the reports they recorded. */
export interface Changed<T> {
  value: T;
  notes: Note[];
}

/**
 * The broker's schedules (the `ScheduleStore` part of the contract), kept
 * in the backend. A fire's ticket is published before `fireSchedule`: the
 * compare-and-set and the job's insert are one backend write, and a ticket
 * whose fire lost the race finds no job (`future`, then dropped).
 */
export interface BackendSchedules {
  putSchedule(definition: ScheduleDefinition): Promise<SchedulePut>;
  removeSchedule(name: string): Promise<boolean>;
  listSchedules(): Promise<ScheduleRecord[]>;
  pauseSchedule(name: string, paused: boolean): Promise<boolean>;
  /** The compare-and-set of the tick and, when it fires, the insert of `job`, atomically. */
  fireSchedule(request: FireRequest, job: NewJob): Promise<Changed<FireOutcome>>;
}

/**
 * Flow control kept in the backend (the contract's `QueueControl` part):
 * every `claim` passes the gate of its job's queue in the same write.
 */
export type BackendFlowControl = Pick<
  QueueControl,
  'getQueueSettings' | 'setQueueSettings' | 'limitQueue' | 'queueLimits' | 'purgeQueue'
>;

/** The state store behind the AMQP broker, with its schedules, flows and flow-control parts. */
export interface ResultBackend extends BackendSchedules, BackendFlows, BackendFlowControl {
  /** Short description for errors, without credentials. */
  readonly label: string;
  open(): Promise<void>;
  close(): Promise<void>;

  /** Live jobs (queued, delayed, active) holding these keys. */
  liveKeys(keys: readonly string[]): Promise<Map<string, InsertResult>>;
  /** Inserts jobs; a key taken meanwhile gives the holder back (`duplicate`). */
  insert(jobs: readonly NewJob[]): Promise<Changed<InsertResult[]>>;
  /** Claims (or takes over) jobs for delivered tickets. */
  claim(tickets: readonly TicketRef[], leaseMs: number, workerId: string | undefined): Promise<Changed<ClaimOutcome[]>>;
  /** Success. False when stale. */
  ack(lease: BackendLease, result: Stored): Promise<Changed<boolean>>;
  /** A failed attempt: queued / delayed again with `next`, or failed for good without it. False when stale. */
  nack(lease: BackendLease, error: ErrorInfo, next: NextTicket | undefined): Promise<Changed<boolean>>;
  /** Progress. False when stale. */
  progress(lease: BackendLease, value: Stored, keep: number): Promise<Changed<boolean>>;
  /** Renews leases still held. */
  extend(leases: readonly BackendLease[], leaseMs: number): Promise<boolean[]>;
  /** Hands leases back (queued, attempt not counted, same ticket). */
  release(leases: readonly BackendLease[]): Promise<boolean[]>;

  /** Leases past their expiry, oldest first. */
  expired(limit: number): Promise<ExpiredLease[]>;
  /** Ends an expired lease: queued with `next`, or failed without it. False if it moved on meanwhile. */
  expire(lease: ExpiredLease, next: NextTicket | undefined): Promise<Changed<boolean>>;
  /** Deletes finished jobs past their TTL; returns how many. */
  prune(limit: number): Promise<number>;

  /** Cancels a job. */
  cancel(id: string): Promise<Changed<CancelResult>>;
  /** Re-runs a failed or cancelled job with `next` (its gen must be the record's gen + 1). */
  rerun(id: string, gen: number, next: NextTicket): Promise<Changed<JobRecord | undefined>>;

  get(id: string): Promise<JobRecord | undefined>;
  /** Reports after number `afterN`, in order (empty for an unknown job). */
  history(id: string, afterN: number): Promise<ReportRecord[]>;
  /** The number of each job's last report. */
  reportNumbers(ids: readonly string[]): Promise<Map<string, number>>;
  /** Status and token of each job. */
  leaseStates(ids: readonly string[]): Promise<Map<string, { status: JobStatus; token: string | undefined }>>;
  /** Jobs in status `queued` in these queues. */
  readyCount(queues: readonly string[]): Promise<number>;
  counts(): Promise<QueueCounts[]>;
  list(query: ListJobsQuery): Promise<RecordPage>;
}
