import type { MemoryJob } from './memory-job.js';

/**
 * The memory broker's leased jobs, for the lease sweep: an array where each
 * job's lease knows its index, so removal is a swap with the last, O(1)
 * without hashing.
 */
export class ActiveJobs {
  readonly #jobs: MemoryJob[] = [];

  /** Adds a job whose `lease` is set. */
  add(job: MemoryJob): void {
    job.lease!.index = this.#jobs.push(job) - 1;
  }

  /** Removes a job added before (its `lease` still set). */
  remove(job: MemoryJob): void {
    const index = job.lease!.index;
    const last = this.#jobs.pop()!;
    if (last === job) return;
    this.#jobs[index] = last;
    last.lease!.index = index;
  }

  /** A copy, safe to walk while jobs are removed. */
  snapshot(): MemoryJob[] {
    return [...this.#jobs];
  }
}
