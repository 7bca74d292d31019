import type { EnqueueRequest, QueueCounts, StoredJobOptions } from '../../core/contract/index.js';
import type { JobKind, MemoryJob, QueueStats } from './memory-job.js';
import { ReadyQueue } from './ready-queue.js';

/**
 * What the memory broker keeps per queue and per kind of job: each queue's
 * ready jobs and live counts, and the {@link JobKind} that jobs with the same
 * task, queue and options object share (so a job carries one reference, not
 * five fields).
 */
export class JobKinds {
  readonly #broker: object;
  readonly #ready = new Map<string, ReadyQueue<MemoryJob>>();
  readonly #stats = new Map<string, QueueStats>();
  /** Kinds of jobs by their options object (see JobKind). */
  readonly #kinds = new WeakMap<StoredJobOptions, JobKind>();
  #lastKind: JobKind | undefined;

  /** `broker`: the owner every kind names (see JobKind.broker). */
  constructor(broker: object) {
    this.#broker = broker;
  }

  /** The kind jobs of this request share: found by its options object, made when none matches. */
  of(request: EnqueueRequest): JobKind {
    // Calls of one task without options of their own come in runs: the last kind first, then the map.
    const last = this.#lastKind;
    if (last?.options === request.options && last.task === request.task && last.queue === request.queue) return last;
    const known = this.#kinds.get(request.options);
    if (known !== undefined && known.task === request.task && known.queue === request.queue)
      return (this.#lastKind = known);
    const kind: JobKind = {
      task: request.task,
      queue: request.queue,
      options: request.options,
      stats: this.#stat(request.queue),
      ready: this.#readyQueue(request.queue),
      broker: this.#broker,
    };
    if (known === undefined) this.#kinds.set(request.options, kind);
    return (this.#lastKind = kind);
  }

  /** The queue's ready jobs, if it ever had any. */
  ready(queue: string): ReadyQueue<MemoryJob> | undefined {
    return this.#ready.get(queue);
  }

  /** Jobs waiting in the queue now. */
  waiting(queue: string): number {
    return this.#stats.get(queue)?.waiting ?? 0;
  }

  /** Live counts of every queue that ever had a job. */
  counts(): QueueCounts[] {
    return [...this.#stats].map(([queue, s]) => ({ queue, ...s }));
  }

  /**
   * Takes the best ready job of these queues (highest priority, then the
   * oldest), dropping stale entries (cancelled, re-queued) on the way.
   */
  shiftBest(queues: readonly string[]): MemoryJob | undefined {
    let best: ReadyQueue<MemoryJob> | undefined;
    let top: MemoryJob | undefined;
    for (const name of queues) {
      const rq = this.#ready.get(name);
      let head = rq?.peek();
      while (rq && head && head.status !== 'queued') {
        rq.shift();
        head = rq.peek();
      }
      if (head && (!top || head.priority > top.priority || (head.priority === top.priority && head.seq < top.seq))) {
        top = head;
        best = rq;
      }
    }
    return best?.shift();
  }

  #readyQueue(queue: string): ReadyQueue<MemoryJob> {
    let rq = this.#ready.get(queue);
    if (!rq) this.#ready.set(queue, (rq = new ReadyQueue()));
    return rq;
  }

  #stat(queue: string): QueueStats {
    let s = this.#stats.get(queue);
    if (!s) this.#stats.set(queue, (s = { waiting: 0, active: 0, delayed: 0, succeeded: 0, failed: 0 }));
    return s;
  }
}
