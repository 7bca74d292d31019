/** One sample as prom-client's registry formats it. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What prom-client's registry reads from a metric. */
interface HistogramSnapshot {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

/** Bucket bounds of `drover_job_duration_seconds`. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60] as const;

/**
 * One task's outcome counts and attempt-duration histogram, kept in plain
 * numbers: recording a job is a few additions, with no label hashing. They
 * become Prometheus series only when /metrics is scraped.
 */
export class TaskStats {
  success = 0;
  retry = 0;
  failure = 0;
  sum = 0;
  count = 0;
  /** Non-cumulative count per bucket; the last one is +Inf. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);

  observe(seconds: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * A histogram metric read from {@link TaskStats} at scrape time, in the shape
 * prom-client's registry formats (`_bucket`, `_sum`, `_count` per task).
 */
export class TaskDurationHistogram {
  readonly name = 'drover_job_duration_seconds';
  readonly help = 'Duration of job attempts';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #stats: ReadonlyMap<string, TaskStats>;

  constructor(stats: ReadonlyMap<string, TaskStats>) {
    this.#stats = stats;
  }

  get(): Promise<HistogramSnapshot> {
    const values: Sample[] = [];
    for (const [task, s] of this.#stats) {
      if (s.count === 0) continue;
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, task }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', task }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: { task }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { task }, value: s.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values });
  }

  reset(): void {}
}
