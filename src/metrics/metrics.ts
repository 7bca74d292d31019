import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueCounts } from '../brokers/contract.js';

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
 * drover's Prometheus metrics (DESIGN.md §6), made with prom-client.
 * Per-task children are cached so the hot path does no label hashing.
 */
export class DroverMetrics {
  /** The registry holding every drover metric. */
  readonly registry: Registry;
  readonly #success: Counter<'task'>;
  readonly #retry: Counter<'task'>;
  readonly #failure: Counter<'task'>;
  readonly #duration: Histogram<'task'>;
  readonly #active: Gauge;
  readonly #herd: Gauge;
  readonly #workers: Gauge;
  readonly #children = new Map<string, TaskChildren>();
  #queueCounts: (() => Promise<QueueCounts[]>) | undefined;

  constructor(options: MetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.#queueCounts = options.queueCounts;
    const registers = [this.registry];
    this.#success = new Counter({
      name: 'drover_job_success_total',
      help: 'Jobs that succeeded',
      labelNames: ['task'],
      registers,
    });
    this.#retry = new Counter({
      name: 'drover_job_retry_total',
      help: 'Failed attempts that will be retried',
      labelNames: ['task'],
      registers,
    });
    this.#failure = new Counter({
      name: 'drover_job_failure_total',
      help: 'Jobs that failed for good',
      labelNames: ['task'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'drover_job_duration_seconds',
      help: 'Duration of job attempts',
      labelNames: ['task'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers,
    });
    this.#active = new Gauge({ name: 'drover_jobs_active', help: 'Jobs running now', registers });
    this.#herd = new Gauge({ name: 'drover_herd_size', help: 'Concurrency of the herd', registers });
    this.#workers = new Gauge({ name: 'drover_workers_connected', help: 'Remote workers connected', registers });
    const queueCounts = (): Promise<QueueCounts[]> | undefined => this.#queueCounts?.();
    new Gauge({
      name: 'drover_queue_depth',
      help: 'Jobs per queue and state',
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
        }
      },
    });
  }

  /** Sets where queue depths come from (the broker, once connected). */
  setQueueCounts(source: () => Promise<QueueCounts[]>): void {
    this.#queueCounts = source;
  }

  /** A job succeeded after `seconds` of its last attempt. */
  succeeded(task: string, seconds: number): void {
    const c = this.#child(task);
    c.success.inc();
    c.duration.observe(seconds);
  }

  /** An attempt failed and will be retried. */
  retried(task: string, seconds: number): void {
    const c = this.#child(task);
    c.retry.inc();
    c.duration.observe(seconds);
  }

  /** A job failed for good. */
  failed(task: string, seconds: number): void {
    const c = this.#child(task);
    c.failure.inc();
    c.duration.observe(seconds);
  }

  /** Jobs running now changed by `delta`. */
  active(delta: number): void {
    this.#active.inc(delta);
  }

  /** The herd's concurrency is now `size`. */
  herdSize(size: number): void {
    this.#herd.set(size);
  }

  /** Remote workers connected now. */
  workersConnected(count: number): void {
    this.#workers.set(count);
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  #child(task: string): TaskChildren {
    let c = this.#children.get(task);
    if (c) return c;
    const label = this.#children.size >= MAX_LABEL_VALUES ? OTHER : task;
    c = this.#children.get(label) ?? {
      success: this.#success.labels(label),
      retry: this.#retry.labels(label),
      failure: this.#failure.labels(label),
      duration: this.#duration.labels(label),
    };
    if (this.#children.size < MAX_LABEL_VALUES) this.#children.set(task, c);
    else this.#children.set(OTHER, c);
    return c;
  }
}

interface TaskChildren {
  success: ReturnType<Counter<'task'>['labels']>;
  retry: ReturnType<Counter<'task'>['labels']>;
  failure: ReturnType<Counter<'task'>['labels']>;
  duration: ReturnType<Histogram<'task'>['labels']>;
}
