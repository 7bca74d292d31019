import type { LeasedJob, StoredJobOptions } from '../../core/contract/index.js';
import type { MemoryJob } from './memory-job.js';
import { epochMs } from './memory-job.js';

/**
 * A lease handed out by the memory broker. It remembers its job, so the
 * holder's ack finds the job without a lookup by id; a copy of the fields
 * (not the job itself) keeps a stale holder's token from changing under it.
 * While the lease holds, the job points back to it (`job.lease`): its
 * current expiry and its place in the broker's active list live here, not
 * in every job.
 */
export class MemoryLease implements LeasedJob {
  readonly id: string;
  readonly token: string;
  readonly task: string;
  readonly queue: string;
  readonly args: unknown[];
  readonly attempt: number;
  readonly options: StoredJobOptions;
  readonly expiresAt: number;
  readonly #job: MemoryJob;
  #expiresMs: number;
  #index = -1;

  /** `expiresMs`: ms since the jobs' epoch (see `sinceEpoch`). */
  constructor(job: MemoryJob, token: string, expiresMs: number) {
    this.#job = job;
    this.id = job.id;
    this.token = token;
    this.task = job.kind.task;
    this.queue = job.kind.queue;
    this.args = job.args;
    this.attempt = job.attempt;
    this.options = job.kind.options;
    this.#expiresMs = expiresMs;
    this.expiresAt = epochMs(expiresMs);
  }

  /** The job behind a lease this broker made, or undefined for any other object. */
  static jobOf(ref: object): MemoryJob | undefined {
    return #job in ref ? ref.#job : undefined;
  }

  /** When the lease runs out now (ms since the epoch; `extend()` moves it). */
  get expiresMs(): number {
    return this.#expiresMs;
  }

  set expiresMs(ms: number) {
    this.#expiresMs = ms;
  }

  /** Its job's index in the broker's active list. */
  get index(): number {
    return this.#index;
  }

  set index(i: number) {
    this.#index = i;
  }
}
