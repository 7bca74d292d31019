import { Deque } from './deque.js';
import { IndexState } from './job-index.js';
import type { MemoryJob } from './memory-job.js';
import { addFinishedEntries, epochMs, finishedEntries, indexStateOf, isFinished } from './memory-job.js';

/**
 * Retention of finished jobs: at most `max`, each for at most the result
 * TTL, oldest dropped first. A job re-run since it was recorded has a newer
 * entry (or none), so its old entry is skipped: each job counts its entries
 * (`finishedEntries`), and only its last one, while it is finished, is current.
 * The list holds the jobs themselves — no entry object per job.
 */
export class FinishedJobs {
  readonly #entries = new Deque<MemoryJob>();
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
    addFinishedEntries(job, 1);
    this.#entries.push(job);
    if (++this.#count > this.#max) this.evict(-Infinity);
  }

  /** A finished job is running again (`retry()`): it no longer counts. */
  reopened(): void {
    this.#count--;
  }

  /** A finished job was removed by the caller (purge): it no longer counts; its entry is skipped. */
  purged(): void {
    this.#count--;
  }

  /** Drops jobs past the cap, and those finished before `before`. */
  evict(before: number): void {
    for (;;) {
      const job = this.#entries.peek();
      if (!job) return;
      const current = finishedEntries(job) === 1 && isFinished(job) && indexStateOf(job) !== IndexState.REMOVED;
      if (current && this.#count <= this.#max && epochMs(job.finishedMs!) >= before) return;
      this.#entries.shift();
      addFinishedEntries(job, -1);
      if (!current) continue;
      this.#count--;
      this.#drop(job);
    }
  }
}
