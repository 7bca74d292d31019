import { Deque } from './deque.js';
import type { MemoryJob } from './memory-job.js';
import { indexStateOf, setIndexState } from './memory-job.js';

/** Where a job stands in the index. */
export const IndexState = { PENDING: 0, INDEXED: 1, REMOVED: 2 } as const;

/**
 * Jobs by id, indexed on demand. Enqueue only appends to a pending list;
 * the id map is built when someone first looks a job up by id. The hot path
 * (enqueue, lease, ack through the lease itself, eviction) never touches the
 * map, so a job nobody asks about by id costs no hashing at all. Pending
 * entries of removed jobs leave from the head at once (jobs mostly go oldest
 * first) or are compacted away, so the list stays bounded by the live jobs.
 *
 * States of a job here: pending ──lookup──▶ indexed; either ──remove──▶ removed.
 */
export class JobIndex {
  readonly #map = new Map<string, MemoryJob>();
  #pending = new Deque<MemoryJob>();
  #removedPending = 0;

  add(job: MemoryJob): void {
    setIndexState(job, IndexState.PENDING);
    this.#pending.push(job);
  }

  get(id: string): MemoryJob | undefined {
    if (this.#pending.length > 0) this.#flush();
    return this.#map.get(id);
  }

  remove(job: MemoryJob): void {
    const state = indexStateOf(job);
    setIndexState(job, IndexState.REMOVED);
    if (state === IndexState.INDEXED) {
      if (this.#map.get(job.id) === job) this.#map.delete(job.id);
      return;
    }
    if (state !== IndexState.PENDING) return;
    this.#removedPending++;
    // Jobs mostly leave oldest first: removed ones at the head go at once.
    for (
      let head = this.#pending.peek();
      head !== undefined && indexStateOf(head) === IndexState.REMOVED;
      head = this.#pending.peek()
    ) {
      this.#pending.shift();
      this.#removedPending--;
    }
    if (this.#removedPending * 2 <= this.#pending.length) return;
    const kept = new Deque<MemoryJob>();
    for (let j = this.#pending.shift(); j !== undefined; j = this.#pending.shift())
      if (indexStateOf(j) === IndexState.PENDING) kept.push(j);
    this.#pending = kept;
    this.#removedPending = 0;
  }

  /** Every job, oldest first. */
  values(): IterableIterator<MemoryJob> {
    if (this.#pending.length > 0) this.#flush();
    return this.#map.values();
  }

  #flush(): void {
    for (let job = this.#pending.shift(); job !== undefined; job = this.#pending.shift()) {
      if (indexStateOf(job) !== IndexState.PENDING) continue;
      this.#map.set(job.id, job);
      setIndexState(job, IndexState.INDEXED);
    }
    this.#removedPending = 0;
  }
}
