import type { QueueLimits, QueueSettings } from '../../core/contract/index.js';
import { Deque } from './deque.js';
import type { MemoryJob } from './memory-job.js';

/** The key of one group of one queue. */
function groupKey(queue: string, group: string): string {
  return `${queue}\u0000${group}`;
}

/**
 * Flow control of the memory broker (docs/flow-control.md): which queues may
 * lease now and how many, which groups are full, and the jobs set aside
 * ("parked") because their group was full when a lease reached them.
 *
 * A parked job stays `queued`; it goes back to its ready queue when its
 * group frees a slot or the queue's `groupConcurrency` changes, so a full
 * group never holds back the jobs behind it (no head-of-line blocking).
 * Memory is bounded: a rate window holds at most `max` times, the group
 * maps only groups with active or parked jobs.
 */
export class FlowGate {
  readonly #settings: (queue: string) => QueueSettings | undefined;
  /** Lease times of rate-limited queues, oldest first, inside the last window. */
  readonly #windows = new Map<string, Deque<number>>();
  readonly #limitedUntil = new Map<string, number>();
  readonly #active = new Map<string, number>();
  readonly #parked = new Map<string, Deque<MemoryJob>>();

  /** `settings` reads a queue's stored settings (no defaults). */
  constructor(settings: (queue: string) => QueueSettings | undefined) {
    this.#settings = settings;
  }

  /**
   * How many jobs of `queue` may be leased now (Infinity: no limit), and
   * when that may change (`wakeAt`, epoch ms) when it is 0 for a time-bound reason.
   */
  budget(queue: string, now: number): { n: number; wakeAt?: number } {
    const settings = this.#settings(queue);
    if (settings?.paused === true) return { n: 0 };
    const until = this.#limitedUntil.get(queue);
    if (until !== undefined) {
      if (until > now) return { n: 0, wakeAt: until };
      this.#limitedUntil.delete(queue);
    }
    const rate = settings?.rateLimit;
    if (!rate) return { n: Infinity };
    const window = this.#window(queue, now, rate.per);
    const n = Math.max(0, rate.max - window.length);
    return n > 0 ? { n } : { n, wakeAt: window.peek()! + rate.per };
  }

  /** Records a lease of `queue` at `now` (for its rate window). */
  took(queue: string, now: number): void {
    if (this.#settings(queue)?.rateLimit) this.#windows.get(queue)?.push(now);
  }

  /** True if the job's group (if any) has room for one more active job. */
  admits(job: MemoryJob): boolean {
    const group = job.kind.options.group;
    const limit = this.#settings(job.kind.queue)?.groupConcurrency;
    if (group === undefined || limit === undefined) return true;
    return (this.#active.get(groupKey(job.kind.queue, group)) ?? 0) < limit;
  }

  /** Sets aside a queued job whose group is full. */
  park(job: MemoryJob): void {
    const key = groupKey(job.kind.queue, job.kind.options.group!);
    let list = this.#parked.get(key);
    if (!list) this.#parked.set(key, (list = new Deque()));
    list.push(job);
  }

  /** A job became active: counts it in its group. */
  activated(job: MemoryJob): void {
    const group = job.kind.options.group;
    if (group === undefined) return;
    const key = groupKey(job.kind.queue, group);
    this.#active.set(key, (this.#active.get(key) ?? 0) + 1);
  }

  /** A job stopped being active: returns the parked jobs of its group that may run again. */
  deactivated(job: MemoryJob): MemoryJob[] {
    const group = job.kind.options.group;
    if (group === undefined) return [];
    const key = groupKey(job.kind.queue, group);
    const n = (this.#active.get(key) ?? 1) - 1;
    if (n > 0) this.#active.set(key, n);
    else this.#active.delete(key);
    return this.#unpark(key, 1);
  }

  /** The queue's settings changed: every parked job of it may run again (those still over are parked again). */
  settingsChanged(queue: string): MemoryJob[] {
    const out: MemoryJob[] = [];
    for (const key of [...this.#parked.keys()])
      if (key.startsWith(`${queue}\u0000`)) out.push(...this.#unpark(key, Infinity));
    return out;
  }

  /** Stops leasing `queue` until `until` (a later limit wins). */
  limit(queue: string, until: number): void {
    if (until > (this.#limitedUntil.get(queue) ?? 0)) this.#limitedUntil.set(queue, until);
  }

  /** The queue's flow state; `waiting` is its count of queued jobs. */
  limits(queue: string, waiting: number, now: number): QueueLimits {
    const budget = this.budget(queue, now);
    const until = this.#limitedUntil.get(queue);
    const paused = this.#settings(queue)?.paused === true;
    let limited = budget.n === 0 ? waiting : 0;
    if (limited === 0) {
      for (const [key, jobs] of this.#parked)
        if (key.startsWith(`${queue}\u0000`) && !this.#roomIn(key)) limited += jobs.length;
    }
    return { paused, limitedUntil: until, limited };
  }

  #roomIn(key: string): boolean {
    const limit = this.#settings(key.slice(0, key.indexOf('\u0000')))?.groupConcurrency;
    return limit === undefined || (this.#active.get(key) ?? 0) < limit;
  }

  /** True while some queue is limited by `RateLimited`. */
  get limiting(): boolean {
    return this.#limitedUntil.size > 0;
  }

  #unpark(key: string, max: number): MemoryJob[] {
    const list = this.#parked.get(key);
    if (!list) return [];
    const out: MemoryJob[] = [];
    while (out.length < max && list.length > 0) {
      const job = list.shift()!;
      if (job.status === 'queued') out.push(job); // a cancelled or drained one is dropped
    }
    if (list.length === 0) this.#parked.delete(key);
    return out;
  }

  #window(queue: string, now: number, per: number): Deque<number> {
    let window = this.#windows.get(queue);
    if (!window) this.#windows.set(queue, (window = new Deque()));
    while (window.length > 0 && window.peek()! <= now - per) window.shift();
    return window;
  }
}
