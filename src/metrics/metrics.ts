import { Counter, Gauge, Registry } from 'prom-client';
import type { Metric } from 'prom-client';
/**
 * One queue's counts, as the broker contract's `QueueCounts` gives them
 * (declared here so metrics, a leaf, imports nothing of core).
 */
export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  succeeded: number;
  failed: number;
}

/** {@link QueueCounts} with `limited`: waiting jobs a limit holds back (brokers with flow control). */
export interface QueueFlowCounts extends QueueCounts {
  limited?: number;
}
import { TaskDurationHistogram, TaskStats } from './task-stats.js';

/** Most distinct label values per metric; the rest are folded into `other` (S20). */
export const MAX_LABEL_VALUES = 500;
const OTHER = 'other';

/** Options of {@link DroverMetrics}. */
export interface MetricsOptions {
  /** Registry to register in; a new one by default. */
  registry?: Registry;
  /** Reads queue depths when /metrics is scraped. */
  queueCounts?: () => Promise<QueueCounts[]>;
}

/**
 * drover's Prometheus metrics (docs/operations.md), made with prom-client.
 * The per-task series are plain numbers on the hot path ({@link TaskStats})
 * and are read into prom-client when /metrics is scraped.
 */
export class DroverMetrics {
  /** The registry holding every drover metric. */
  readonly registry: Registry;
  #active = 0;
  readonly #herd: Gauge;
  readonly #workers: Gauge;
  readonly #fires: Counter;
  /** Schedules that have a `drover_schedule_fires_total` series (bounded like the task labels). */
  readonly #fireLabels = new Set<string>();
  readonly #tasks = new Map<string, TaskStats>();
  #queueCounts: (() => Promise<QueueFlowCounts[]>) | undefined;

  constructor(options: MetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.#queueCounts = options.queueCounts;
    const registers = [this.registry];
    const tasks = this.#tasks;
    const outcomeCounter = (name: string, help: string, field: 'success' | 'retry' | 'failure'): void => {
      new Counter({
        name,
        help,
        labelNames: ['task'],
        registers,
        collect() {
          this.reset();
          for (const [task, s] of tasks) if (s[field] > 0) this.inc({ task }, s[field]);
        },
      });
    };
    outcomeCounter('drover_job_success_total', 'Jobs that succeeded', 'success');
    outcomeCounter('drover_job_retry_total', 'Failed attempts that will be retried', 'retry');
    outcomeCounter('drover_job_failure_total', 'Jobs that failed for good', 'failure');
    this.registry.registerMetric(new TaskDurationHistogram(tasks) as unknown as Metric);
    const active = (): number => this.#active;
    new Gauge({
      name: 'drover_jobs_active',
      help: 'Jobs running now',
      registers,
      collect() {
        this.set(active());
      },
    });
    this.#herd = new Gauge({ name: 'drover_herd_size', help: 'Concurrency of the herd', registers });
    this.#workers = new Gauge({ name: 'drover_workers_connected', help: 'Remote workers connected', registers });
    this.#fires = new Counter({
      name: 'drover_schedule_fires_total',
      help: 'Ticks of a schedule that this process fired (enqueued a job for)',
      labelNames: ['schedule'],
      registers,
    });
    const queueCounts = (): Promise<QueueFlowCounts[]> | undefined => this.#queueCounts?.();
    new Gauge({
      name: 'drover_queue_depth',
      help: 'Jobs per queue and state; state="limited": waiting jobs a limit holds back (brokers with flow control)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const pending = queueCounts();
        if (!pending) return;
        const counts = await pending;
        this.reset();
        for (const c of counts.slice(0, MAX_LABEL_VALUES)) {
          for (const state of ['waiting', 'active', 'delayed', 'succeeded', 'failed'] as const) {
            this.set({ queue: c.queue, state }, c[state]);
          }
          if (c.limited !== undefined) this.set({ queue: c.queue, state: 'limited' }, c.limited);
        }
      },
    });
  }

  /** Sets where queue depths come from (the broker, once connected), with their flow state where known. */
  setQueueCounts(source: () => Promise<QueueFlowCounts[]>): void {
    this.#queueCounts = source;
  }

  /** A job succeeded after `seconds` of its last attempt. */
  succeeded(task: string, seconds: number): void {
    const s = this.#stats(task);
    s.success++;
    s.observe(seconds);
  }

  /** An attempt failed and will be retried. */
  retried(task: string, seconds: number): void {
    const s = this.#stats(task);
    s.retry++;
    s.observe(seconds);
  }

  /** A job failed for good. */
  failed(task: string, seconds: number): void {
    const s = this.#stats(task);
    s.failure++;
    s.observe(seconds);
  }

  /** Jobs running now changed by `delta`. */
  active(delta: number): void {
    this.#active += delta;
  }

  /** The herd's concurrency is now `size`. */
  herdSize(size: number): void {
    this.#herd.set(size);
  }

  /** Remote workers connected now. */
  workersConnected(count: number): void {
    this.#workers.set(count);
  }

  /** This process fired a tick of `schedule`. */
  scheduleFired(schedule: string): void {
    if (!this.#fireLabels.has(schedule)) {
      if (this.#fireLabels.size >= MAX_LABEL_VALUES) schedule = OTHER;
      this.#fireLabels.add(schedule);
    }
    this.#fires.inc({ schedule });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The task's stats; past {@link MAX_LABEL_VALUES} tasks, one shared `other` series (S20). */
  #stats(task: string): TaskStats {
    let s = this.#tasks.get(task);
    if (s) return s;
    if (this.#tasks.size >= MAX_LABEL_VALUES) {
      s = this.#tasks.get(OTHER);
      if (s) return s;
      task = OTHER;
    }
    s = new TaskStats();
    this.#tasks.set(task, s);
    return s;
  }
}
