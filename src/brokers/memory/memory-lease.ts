import type { LeasedJob, StoredJobOptions } from '../../core/contract/index.js';
import type { MemoryJob } from './memory-job.js';
import { epochMs } from './memory-job.js';

/**
 * A lease handed out by the memory broker. It remembers its job, so the
 * holder's ack finds the job without a lookup by id; a copy of the fields
 * (not the job itself) keeps a stale holder's token from changing under it.
 * While the lease holds, the job points back to it (`job.lease`): its
 * current expiry and its place in the broker's active list live here, not
 * in every job. The token is its number, made a string only when read (the
 * broker recognises its own lease object without it), and `expiresAt` is
 * read from the current expiry: a lease allocates no string and no boxed
 * number.
 */
export class MemoryLease implements LeasedJob {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  readonly args: unknown[];
  readonly attempt: number;
  readonly options: StoredJobOptions;
  readonly #job: MemoryJob;
  readonly #number: number;
  #expiresMs: number;
  #index = -1;

  /** `number`: unique per broker; `expiresMs`: ms since the jobs' epoch (see `sinceEpoch`). */
  constructor(job: MemoryJob, number: number, expiresMs: number) {
    this.#job = job;
    this.#number = number;
    this.id = job.id;
    this.task = job.kind.task;
    this.queue = job.kind.queue;
    this.args = job.args;
    this.attempt = job.attempt;
    this.options = job.kind.options;
    this.#expiresMs = expiresMs;
  }

  /** The lease's token (see LeasedJob). */
  get token(): string {
    return String(this.#number);
  }

  /** When the lease runs out (epoch ms), extensions included. */
  get expiresAt(): number {
    return epochMs(this.#expiresMs);
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
