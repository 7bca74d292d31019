import type { MemoryJob } from './memory-job.js';

/** Where a job stands in the index. */
export const IndexState = { PENDING: 0, INDEXED: 1, REMOVED: 2 } as const;

/**
 * Jobs by id, indexed on demand. Enqueue only appends to a pending list;
 * the id map is built when someone first looks a job up by id. The hot path
 * (enqueue, lease, ack through the lease itself, eviction) never touches the
 * map, so a job nobody asks about by id costs no hashing at all. Pending
 * entries of removed jobs are compacted away, so the list stays bounded by
 * the live jobs.
 *
 * States of a job here: pending ──lookup──▶ indexed; either ──remove──▶ removed.
 */
export class JobIndex {
  readonly #map = new Map<string, MemoryJob>();
  #pending: MemoryJob[] = [];
  #removedPending = 0;

  add(job: MemoryJob): void {
    job.indexState = IndexState.PENDING;
    this.#pending.push(job);
  }

  get(id: string): MemoryJob | undefined {
    if (this.#pending.length > 0) this.#flush();
    return this.#map.get(id);
  }

  remove(job: MemoryJob): void {
    if (job.indexState === IndexState.INDEXED) {
      if (this.#map.get(job.id) === job) this.#map.delete(job.id);
    } else if (job.indexState === IndexState.PENDING && ++this.#removedPending * 2 > this.#pending.length) {
      this.#pending = this.#pending.filter((j) => j.indexState === IndexState.PENDING && j !== job);
      this.#removedPending = 0;
    }
    job.indexState = IndexState.REMOVED;
  }

  /** Every job, oldest first. */
  values(): IterableIterator<MemoryJob> {
    if (this.#pending.length > 0) this.#flush();
    return this.#map.values();
  }

  #flush(): void {
    for (const job of this.#pending) {
      if (job.indexState !== IndexState.PENDING) continue;
      this.#map.set(job.id, job);
      job.indexState = IndexState.INDEXED;
    }
    this.#pending = [];
    this.#removedPending = 0;
  }
}
