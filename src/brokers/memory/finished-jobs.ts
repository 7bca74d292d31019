import { Deque } from './deque.js';
import type { MemoryJob } from './memory-job.js';

interface Entry {
  job: MemoryJob;
  finishedAt: number;
}

/**
 * Retention of finished jobs: at most `max`, each for at most the result
 * TTL, oldest dropped first. A job re-run since it was recorded has a newer
 * entry (or none), so its old entry is skipped.
 */
export class FinishedJobs {
  readonly #entries = new Deque<Entry>();
  readonly #max: number;
  readonly #drop: (job: MemoryJob) => void;
  #count = 0;

  /** `drop` forgets a job for good (its index entry, its watchers, its counts). */
  constructor(max: number, drop: (job: MemoryJob) => void) {
    this.#max = max;
    this.#drop = drop;
  }

  /** Records a job that just finished; drops the oldest past the cap. */
  add(job: MemoryJob): void {
    this.#entries.push({ job, finishedAt: job.finishedAt! });
    if (++this.#count > this.#max) this.evict(-Infinity);
  }

  /** A finished job is running again (`retry()`): it no longer counts. */
  reopened(): void {
    this.#count--;
  }

  /** Drops jobs past the cap, and those finished before `before`. */
  evict(before: number): void {
    for (;;) {
      const entry = this.#entries.peek();
      if (!entry) return;
      const current = entry.job.finishedAt === entry.finishedAt;
      if (current && this.#count <= this.#max && entry.finishedAt >= before) return;
      this.#entries.shift();
      if (!current) continue;
      this.#count--;
      this.#drop(entry.job);
    }
  }
}
