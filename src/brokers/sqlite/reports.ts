import type { Codec } from '../../core/codec.js';
import type { ErrorInfo } from '../../core/errors.js';
import type { BrokerReport, Report, ReportStatus } from '../../core/report.js';
import type { ReportWatch } from '../../core/contract/index.js';
import type { Stored } from './rows.js';
import { decode, parseError } from './rows.js';
import type { Statements } from './statements.js';
import type { Tx } from './write-queue.js';

/** A report with its number within the job. */
export interface NumberedReport {
  n: number;
  report: Report;
}

interface ReportRow {
  n: number;
  status: ReportStatus;
  attempt: number;
  at: number;
  value: Stored;
  error: string | null;
  result: Stored;
}

interface Watcher {
  readonly jobId: string;
  readonly listener: (report: Report) => void;
  /** Number of the last report delivered. */
  lastN: number;
}

/** What a report carries besides its status: the raw value for listeners, the stored one for the table. */
export interface ReportBody {
  progress?: { raw: unknown; stored: Stored };
  result?: unknown;
  error?: { info: ErrorInfo; json: string };
}

/**
 * Reports: written to `drover_reports` inside the job's transaction,
 * published to `onReport` listeners and watchers after the commit.
 *
 * Watchers never miss or repeat a report: each remembers the number of the
 * last report it got; a report that skips numbers (written by another
 * process) makes it read the gap from the table. Changes by other processes
 * are found by {@link ReportHub.poll}.
 */
export class ReportHub {
  readonly #s: Statements;
  readonly #codec: Codec;
  readonly #listeners = new Set<(report: BrokerReport) => void>();
  readonly #watchers = new Map<string, Set<Watcher>>();

  constructor(statements: Statements, codec: Codec) {
    this.#s = statements;
    this.#codec = codec;
  }

  /** Records report number `n` of a job, and publishes it after the commit if anyone listens. */
  record(
    tx: Tx,
    job: { id: string; task: string; queue: string },
    n: number,
    status: ReportStatus,
    attempt: number,
    body?: ReportBody,
  ): void {
    this.#s.insertReport.run(
      job.id,
      n,
      status,
      attempt,
      tx.now,
      body?.progress?.stored ?? null,
      body?.error?.json ?? null,
    );
    if (this.#listeners.size === 0 && !this.#watchers.has(job.id)) return;
    const report: BrokerReport = { jobId: job.id, status, attempt, at: tx.now, task: job.task, queue: job.queue };
    if (body?.progress) report.progress = body.progress.raw;
    if (status === 'succeeded') report.result = body?.result;
    if (body?.error) report.error = body.error.info;
    tx.after(() => this.#publish(report, n));
  }

  /** Every report of every job recorded through this broker instance. */
  onReport(listener: (report: BrokerReport) => void): () => void {
    const wrapped = (report: BrokerReport): void => listener(report);
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  /** The job's reports after number `afterN`, from the table. */
  history(jobId: string, afterN = 0): NumberedReport[] {
    const rows = this.#s.reportsAfter.all(jobId, afterN) as ReportRow[];
    return rows.map((row) => ({ n: row.n, report: this.#toReport(jobId, row) }));
  }

  /** Registers a watcher that has seen `history`. */
  watch(jobId: string, listener: (report: Report) => void, history: NumberedReport[]): ReportWatch {
    const watcher: Watcher = { jobId, listener, lastN: history.at(-1)?.n ?? 0 };
    let set = this.#watchers.get(jobId);
    if (!set) this.#watchers.set(jobId, (set = new Set()));
    set.add(watcher);
    return {
      history: history.map((h) => h.report),
      stop: () => {
        const current = this.#watchers.get(jobId);
        if (!current?.delete(watcher)) return;
        if (current.size === 0) this.#watchers.delete(jobId);
      },
    };
  }

  /** Catches watchers up with reports written by other processes. */
  poll(): void {
    if (this.#watchers.size === 0) return;
    const ids = [...this.#watchers.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = this.#s.reportNumbers.all(JSON.stringify(ids.slice(i, i + 500))) as { id: string; rn: number }[];
      for (const { id, rn } of rows) {
        for (const watcher of this.#watchers.get(id) ?? []) if (rn > watcher.lastN) this.#catchUp(watcher);
      }
    }
  }

  #publish(report: BrokerReport, n: number): void {
    for (const listener of this.#listeners) safely(listener, report);
    const watchers = this.#watchers.get(report.jobId);
    if (!watchers) return;
    // Watchers get the same shape as history: a Report, without task and queue.
    const { task: _task, queue: _queue, ...plain } = report;
    for (const watcher of watchers) {
      if (n <= watcher.lastN) continue;
      if (n === watcher.lastN + 1) {
        watcher.lastN = n;
        safely(watcher.listener, plain);
      } else {
        this.#catchUp(watcher);
      }
    }
  }

  #catchUp(watcher: Watcher): void {
    for (const { n, report } of this.history(watcher.jobId, watcher.lastN)) {
      if (n <= watcher.lastN) continue;
      watcher.lastN = n;
      safely(watcher.listener, report);
    }
  }

  #toReport(jobId: string, row: ReportRow): Report {
    const report: Report = { jobId, status: row.status, attempt: row.attempt, at: row.at };
    if (row.status === 'progress') report.progress = decode(this.#codec, row.value);
    if (row.status === 'succeeded') report.result = decode(this.#codec, row.result);
    const error = parseError(row.error);
    if (error) report.error = error;
    return report;
  }
}

function safely<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    process.emitWarning(
      `drover sqlite broker: a report listener threw: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
