import { Deque } from './deque.js';
import type { MemoryJob } from './memory-job.js';
import { IndexState, indexStateOf, setIndexState } from './memory-job.js';

/**
 * Live jobs (queued, delayed, active) by id, indexed on demand. Enqueue
 * only appends to a pending list; the id map is built when someone first
 * looks a job up by id. The hot path (enqueue, lease, ack through the lease
 * itself, finishing) never touches the map, so a job nobody asks about by
 * id costs no hashing at all. Pending entries of jobs that left (finished)
 * go from the head at once (jobs mostly finish oldest first) or are
 * compacted away, so the list stays bounded by the live jobs. Finished jobs
 * are FinishedJobs' business.
 *
 * States of a job here: pending ──lookup──▶ indexed; either ──leave──▶ gone.
 */
export class JobIndex {
  readonly #map = new Map<string, MemoryJob>();
  #pending = new Deque<MemoryJob>();
  #leftPending = 0;

  add(job: MemoryJob): void {
    setIndexState(job, IndexState.PENDING);
    this.#pending.push(job);
  }

  get(id: string): MemoryJob | undefined {
    if (this.#pending.length > 0) this.#flush();
    return this.#map.get(id);
  }

  /** The job is no longer live (state REMOVED until its new home sets another). */
  leave(job: MemoryJob): void {
    const state = indexStateOf(job);
    setIndexState(job, IndexState.REMOVED);
    if (state === IndexState.INDEXED) {
      if (this.#map.get(job.id) === job) this.#map.delete(job.id);
      return;
    }
    if (state !== IndexState.PENDING) return;
    this.#leftPending++;
    // Jobs mostly leave oldest first: those that left at the head go at once.
    for (let head = this.#pending.peek(); head !== undefined && !isPending(head); head = this.#pending.peek()) {
      this.#pending.shift();
      this.#leftPending--;
    }
    if (this.#leftPending * 2 <= this.#pending.length) return;
    const kept = new Deque<MemoryJob>();
    for (let j = this.#pending.shift(); j !== undefined; j = this.#pending.shift()) if (isPending(j)) kept.push(j);
    this.#pending = kept;
    this.#leftPending = 0;
  }

  /** Every live job, oldest first. */
  values(): IterableIterator<MemoryJob> {
    if (this.#pending.length > 0) this.#flush();
    return this.#map.values();
  }

  #flush(): void {
    for (let job = this.#pending.shift(); job !== undefined; job = this.#pending.shift()) {
      if (!isPending(job)) continue;
      this.#map.set(job.id, job);
      setIndexState(job, IndexState.INDEXED);
    }
    this.#leftPending = 0;
  }
}

function isPending(job: MemoryJob): boolean {
  return indexStateOf(job) === IndexState.PENDING;
}
