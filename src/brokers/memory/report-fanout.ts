import type { BrokerReport, Report } from '../../core/report.js';

/** What a report is about, for listeners that see every job. */
interface Subject {
  readonly id: string;
  readonly kind: { readonly task: string; readonly queue: string };
}

/**
 * Who hears about reports: listeners of every job (`onReport`) and watchers
 * of one job (`watch`). `wants()` lets the broker skip building a report
 * that nobody would hear — the common case on the hot path.
 */
export class ReportFanout {
  readonly #listeners = new Set<(report: BrokerReport) => void>();
  readonly #watchers = new Map<string, Set<(report: Report) => void>>();

  /** Adds a listener of every report; returns an unsubscribe. */
  listen(listener: (report: BrokerReport) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds a watcher of one job; returns an unsubscribe. */
  watch(id: string, listener: (report: Report) => void): () => void {
    let set = this.#watchers.get(id);
    if (!set) this.#watchers.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#watchers.get(id) === set) this.#watchers.delete(id);
    };
  }

  /** True if anyone would hear a report of this job. */
  wants(id: string): boolean {
    return this.#listeners.size > 0 || (this.#watchers.size > 0 && this.#watchers.has(id));
  }

  /** Tells the job's watchers, then everyone's listeners. */
  send(job: Subject, report: Report): void {
    const watchers = this.#watchers.get(job.id);
    if (watchers) for (const w of watchers) w(report);
    if (this.#listeners.size === 0) return;
    const event: BrokerReport = { ...report, task: job.kind.task, queue: job.kind.queue };
    for (const listener of this.#listeners) listener(event);
  }

  /** Drops the watchers of a job that is gone. */
  forget(id: string): void {
    if (this.#watchers.size > 0) this.#watchers.delete(id);
  }

  clear(): void {
    this.#listeners.clear();
    this.#watchers.clear();
  }
}
