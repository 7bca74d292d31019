import type { JobStatus } from '../../core/report.js';
import type { EnqueueResult } from '../contract.js';
import type { MemoryJob } from './memory-job.js';

/**
 * What the memory broker's `enqueue` returns for one job. Its `hint` (the
 * job itself, behind a getter so the result's own fields stay the contract's
 * three) lets `Job.result()` reach the job through `outcome()` without a
 * lookup by id, so the id map is never built for jobs nobody looks up.
 */
export class MemoryReceipt implements EnqueueResult {
  readonly id: string;
  readonly status: JobStatus;
  readonly duplicate: boolean;
  readonly #job: MemoryJob;

  constructor(job: MemoryJob, duplicate: boolean) {
    this.#job = job;
    this.id = job.id;
    this.status = job.status;
    this.duplicate = duplicate;
  }

  /** The job: opaque to callers, handed back to `outcome()`. */
  get hint(): unknown {
    return this.#job;
  }
}
