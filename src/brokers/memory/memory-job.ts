import type { ErrorInfo } from '../../core/errors.js';
import { JobCancelledError, JobFailedError } from '../../core/errors.js';
import type { JobStatus, Report } from '../../core/report.js';
import type {
  EnqueueRequest,
  JobLogLine,
  FlowGraph,
  FlowLink,
  JobSnapshot,
  QueueCounts,
  StoredJobOptions,
} from '../../core/contract/index.js';
import type { MemoryLease } from './memory-lease.js';
import type { ReadyQueue } from './ready-queue.js';

/** Live counts of one queue, shared by its jobs. */
export type QueueStats = Omit<QueueCounts, 'queue'>;

/** Origin of the times a job keeps (see MemoryJob). */
const EPOCH = Date.now();
/** Largest small integer V8 keeps unboxed (31-bit, pointer compression): ≈ 12 days of ms. */
const MAX_SMALL = 0x3fffffff;

/** An epoch-ms time as ms since EPOCH, made a small integer when it fits (it always does for 12 days). */
export function sinceEpoch(at: number): number {
  const ms = at - EPOCH;
  return ms <= MAX_SMALL && ms >= -MAX_SMALL ? ms | 0 : ms;
}

/** A time kept as ms since EPOCH back to epoch ms. */
export function epochMs(ms: number): number {
  return ms + EPOCH;
}

/**
 * What the jobs of one task, queue and options object share: one object for
 * all of them (the memory broker finds it by the options object, which a
 * task's calls without options of their own share), so a job keeps one
 * pointer for four fields.
 */
export interface JobKind {
  readonly task: string;
  readonly queue: string;
  readonly options: StoredJobOptions;
  /** The queue's live counts. */
  readonly stats: QueueStats;
  /** The queue's ready jobs. */
  readonly ready: ReadyQueue<MemoryJob>;
  /** The broker that made it (a hint handed back to `outcome()` is recognised by it). */
  readonly broker: object;
}

/** One caller of `Job.result()` waiting for the outcome. */
export interface OutcomeWaiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Most reports kept per job; past it the oldest `progress` reports are dropped. */
export const MAX_REPORTS_PER_JOB = 200;

/** The rarely used parts of a job, in one object made on first use (see {@link jobMore}). */
export interface MemoryJobMore {
  /** The job's deduplication key. */
  readonly key: string | undefined;
  /** On a step of a flow: where it belongs. */
  readonly flow: FlowLink | undefined;
  /** Why the last attempt failed. */
  error: ErrorInfo | undefined;
  /** The last progress value. */
  progress: unknown;
  /** Reports that cannot be derived from the fields, in order. */
  log: Report[] | undefined;
  /** Lines its handler logged (the broker keeps the last MAX_JOB_LOG_LINES). */
  handlerLogs: JobLogLine[] | undefined;
  /** On a flow job: its graph (contract/flows.ts). */
  graph: FlowGraph | undefined;
}

/**
 * One job in the memory broker: a plain record made by {@link createJob}
 * from one object literal, so every job shares one hidden class and V8 can
 * allocate jobs straight in the old generation once it sees they outlive
 * the young one (allocation-site pretenuring works for literals, not for
 * `new`) — finished jobs are kept for `result()`, so most do. The functions
 * below are its behaviour.
 *
 * Reports that can be derived from the fields are not stored: `queued`
 * comes from `createdMs`, the current attempt's `active` from `startedMs`,
 * and the terminal one from the outcome, so a job that succeeds first time
 * allocates no report at all. Only what cannot be derived (earlier
 * attempts, progress) goes in `more.log`.
 *
 * Times are ms since EPOCH (`sinceEpoch`, `epochMs`): small integers kept in
 * the record itself, where epoch ms would each need a boxed number.
 */
export interface MemoryJob {
  readonly id: string;
  /** Task, queue, options and the queue's counts, shared with the jobs like it. */
  readonly kind: JobKind;
  readonly args: unknown[];
  readonly priority: number;
  readonly seq: number;
  status: JobStatus;
  attempt: number;
  /** The lease while active (its token, expiry and place in the active list), else undefined. */
  lease: MemoryLease | undefined;
  workerId: string | undefined;
  createdMs: number;
  runMs: number;
  startedMs: number | undefined;
  /** Set once finished (succeeded, failed or cancelled), cleared when re-run. */
  finishedMs: number | undefined;
  result: unknown;
  /**
   * Small states in one number (see the functions below): where the job
   * stands in the broker's indexes (`IndexState`, bits 0–1), whether the
   * current attempt's `active` report is derived, not logged (`isLeased`,
   * bit 2), and, once finished, its position in `FinishedJobs` (the rest).
   */
  bits: number;
  /** Callers of `Job.result()` waiting for the outcome: none, one, or several. */
  waiter: OutcomeWaiter | OutcomeWaiter[] | undefined;
  /** See {@link MemoryJobMore}; undefined until needed. */
  more: MemoryJobMore | undefined;
}

/** A new job, `queued` or `delayed`. The one place jobs are made: one literal, one allocation site. */
export function createJob(request: EnqueueRequest, kind: JobKind, seq: number, now: number): MemoryJob {
  return {
    id: request.id,
    kind,
    args: request.args,
    priority: request.priority,
    seq,
    status: request.delayMs > 0 ? 'delayed' : 'queued',
    attempt: 0,
    lease: undefined,
    workerId: undefined,
    createdMs: sinceEpoch(now),
    runMs: sinceEpoch(now + request.delayMs),
    startedMs: undefined,
    finishedMs: undefined,
    result: undefined,
    bits: 0,
    waiter: undefined,
    more: request.key === undefined && request.flow === undefined ? undefined : newMore(request.key, request.flow),
  };
}

/** What `FinishedJobs` keeps of a plain finished job (one without `more`). */
export type KeptFields = Omit<MemoryJob, 'lease' | 'waiter' | 'more'>;

/** A plain finished job made again from what `FinishedJobs` kept: the same literal shape as {@link createJob}'s. */
export function restoreJob(f: KeptFields): MemoryJob {
  return {
    id: f.id,
    kind: f.kind,
    args: f.args,
    priority: f.priority,
    seq: f.seq,
    status: f.status,
    attempt: f.attempt,
    lease: undefined,
    workerId: f.workerId,
    createdMs: f.createdMs,
    runMs: f.runMs,
    startedMs: f.startedMs,
    finishedMs: f.finishedMs,
    result: f.result,
    bits: f.bits,
    waiter: undefined,
    more: undefined,
  };
}

/** A live copy of a finished job that runs again (`retry()`): holders of the old object see it as gone. */
export function copyJob(job: MemoryJob): MemoryJob {
  return { ...restoreJob(job), more: job.more };
}

function newMore(key: string | undefined, flow: FlowLink | undefined): MemoryJobMore {
  return { key, flow, error: undefined, progress: undefined, log: undefined, handlerLogs: undefined, graph: undefined };
}

/**
 * Where a job stands in the broker's indexes: live in JobIndex (pending,
 * then indexed on first lookup), kept in FinishedJobs, or gone.
 */
export const IndexState = { PENDING: 0, INDEXED: 1, REMOVED: 2, FINISHED: 3 } as const;

const INDEX_BITS = 3;
const LEASED_BIT = 4;
/** Bits above the index state and the leased flag: a finished job's position in FinishedJobs. */
const POSITION_UNIT = 8;

/** The job's state in the broker's indexes (`IndexState`). */
export function indexStateOf(job: MemoryJob): number {
  return job.bits & INDEX_BITS;
}

/** Sets the job's state in the broker's indexes (clears a finished position). */
export function setIndexState(job: MemoryJob, state: number): void {
  job.bits = (job.bits & LEASED_BIT) | state;
}

/** True while the current attempt's `active` report is derived from the fields, not logged. */
export function isLeased(job: MemoryJob): boolean {
  return (job.bits & LEASED_BIT) !== 0;
}

/** See {@link isLeased}. */
export function setLeased(job: MemoryJob, leased: boolean): void {
  job.bits = leased ? job.bits | LEASED_BIT : job.bits & ~LEASED_BIT;
}

/** The bits of a job kept at `position` in FinishedJobs (state `state`), keeping the leased flag of `bits`. */
export function finishedBits(bits: number, state: number, position: number): number {
  // Arithmetic, not shifts: positions grow past 31 bits in a long-lived process.
  return position * POSITION_UNIT + (bits & LEASED_BIT) + state;
}

/** A finished job's position in FinishedJobs (see {@link finishedBits}). */
export function finishedPosition(job: MemoryJob): number {
  return Math.floor(job.bits / POSITION_UNIT);
}

/** The job's rarely used parts, made on first use. */
export function jobMore(job: MemoryJob): MemoryJobMore {
  return (job.more ??= newMore(undefined, undefined));
}

/** Sets (or clears) why the last attempt failed. */
export function setJobError(job: MemoryJob, error: ErrorInfo | undefined): void {
  if (error !== undefined || job.more !== undefined) jobMore(job).error = error;
}

/** True once finished (succeeded, failed or cancelled) and not re-run since. */
export function isFinished(job: MemoryJob): boolean {
  return job.finishedMs !== undefined;
}

/** Appends a report to the job's log, bounding it. */
export function recordReport(job: MemoryJob, report: Report): void {
  const more = jobMore(job);
  const log = (more.log ??= []);
  if (log.length >= MAX_REPORTS_PER_JOB) {
    const i = log.findIndex((r) => r.status === 'progress');
    log.splice(i === -1 ? 0 : i, 1);
  }
  log.push(report);
}

/** A promise of the outcome: settled now if finished, else once it finishes. */
export function jobOutcome(job: MemoryJob): Promise<unknown> {
  if (job.status === 'succeeded') return Promise.resolve(job.result);
  if (job.status === 'failed' || job.status === 'cancelled') return Promise.reject(outcomeError(job));
  const promise = new Promise(takeResolvers);
  const waiter: OutcomeWaiter = { resolve: nextResolve!, reject: nextReject! };
  nextResolve = nextReject = undefined;
  const current = job.waiter;
  if (current === undefined) job.waiter = waiter;
  else if (Array.isArray(current)) current.push(waiter);
  else job.waiter = [current, waiter];
  return promise;
}

/** Where {@link takeResolvers} leaves a new promise's functions: one shared executor, no closure per waiter. */
let nextResolve: ((value: unknown) => void) | undefined;
let nextReject: ((error: unknown) => void) | undefined;

function takeResolvers(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  nextResolve = resolve;
  nextReject = reject;
}

/** Settles every waiter once the job finished. */
export function settleWaiters(job: MemoryJob): void {
  const waiter = job.waiter;
  if (waiter === undefined) return;
  job.waiter = undefined;
  if (Array.isArray(waiter)) for (const w of waiter) settle(job, w);
  else settle(job, waiter);
}

function settle(job: MemoryJob, waiter: OutcomeWaiter): void {
  if (job.status === 'succeeded') waiter.resolve(job.result);
  else waiter.reject(outcomeError(job));
}

function outcomeError(job: MemoryJob): Error {
  if (job.status === 'cancelled') return new JobCancelledError(job.id);
  return new JobFailedError(job.id, job.more?.error ?? { name: 'Error', message: 'unknown error' });
}

/** The current attempt's `active` report. */
export function activeReport(job: MemoryJob): Report {
  return { jobId: job.id, status: 'active', attempt: job.attempt, at: epochMs(job.startedMs ?? job.createdMs) };
}

/** The terminal report, once finished. */
export function terminalReport(job: MemoryJob): Report | undefined {
  if (job.finishedMs === undefined) return undefined;
  const base = { jobId: job.id, attempt: job.attempt, at: epochMs(job.finishedMs) };
  if (job.status === 'succeeded') return { ...base, status: 'succeeded', result: job.result };
  if (job.status === 'failed') return { ...base, status: 'failed', error: job.more!.error! };
  if (job.status === 'cancelled') return { ...base, status: 'cancelled' };
  return undefined;
}

/** Every report so far, from `queued` on. */
export function jobHistory(job: MemoryJob): Report[] {
  const out: Report[] = [{ jobId: job.id, status: 'queued', attempt: 0, at: epochMs(job.createdMs) }];
  if (job.more?.log) out.push(...job.more.log);
  if (isLeased(job)) out.push(activeReport(job));
  const terminal = terminalReport(job);
  if (terminal) out.push(terminal);
  return out;
}

/** What `getJob()` returns. */
export function jobSnapshot(job: MemoryJob): JobSnapshot {
  return {
    id: job.id,
    task: job.kind.task,
    queue: job.kind.queue,
    args: job.args,
    status: job.status,
    attempt: job.attempt,
    priority: job.priority,
    key: job.more?.key,
    options: job.kind.options,
    progress: job.more?.progress,
    result: job.result,
    error: job.more?.error,
    createdAt: epochMs(job.createdMs),
    runAt: epochMs(job.runMs),
    startedAt: job.startedMs === undefined ? undefined : epochMs(job.startedMs),
    finishedAt: job.finishedMs === undefined ? undefined : epochMs(job.finishedMs),
    workerId: job.workerId,
    flowId: job.more?.flow?.flowId,
  };
}
