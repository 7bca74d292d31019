import type { Report } from '../../core/report.js';
import type { ReportWatch } from '../contract.js';
import type { NumberedReport } from './report-log.js';

interface Watcher {
  readonly jobId: string;
  readonly listener: (report: Report) => void;
  /** Number of the last report delivered; -1 until the history has arrived. */
  lastN: number;
  /** Live reports that came before the history. */
  early: NumberedReport[];
}

/**
 * The watchers of this process, fed from the event channel. Watchers never
 * miss or repeat a report: each remembers the number of the last report it
 * got; reports that arrive before the history are held, and a report that
 * skips numbers (a message lost in a reconnect) makes it fetch the history
 * again. Memory: one entry per live watch, removed by `stop()`.
 */
export class ReportWatchers {
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #fetch: (jobId: string) => Promise<NumberedReport[] | undefined>;

  /** `fetch` reads a job's whole history (and keeps it watched). */
  constructor(fetch: (jobId: string) => Promise<NumberedReport[] | undefined>) {
    this.#fetch = fetch;
  }

  /** How many jobs are watched here. */
  get size(): number {
    return this.#watchers.size;
  }

  /**
   * Registers a watcher before its history is read, so no live report can
   * fall between. `known` is a history already at hand (then nothing is read).
   */
  async watch(
    jobId: string,
    listener: (report: Report) => void,
    known?: NumberedReport[],
  ): Promise<ReportWatch | undefined> {
    const watcher: Watcher = { jobId, listener, lastN: -1, early: [] };
    let set = this.#watchers.get(jobId);
    if (!set) this.#watchers.set(jobId, (set = new Set()));
    set.add(watcher);
    const stop = (): void => {
      const current = this.#watchers.get(jobId);
      if (!current?.delete(watcher)) return;
      if (current.size === 0) this.#watchers.delete(jobId);
    };
    let history: NumberedReport[] | undefined;
    try {
      history = known ?? (await this.#fetch(jobId));
    } catch (error) {
      stop();
      throw error;
    }
    if (!history) {
      stop();
      return undefined;
    }
    watcher.lastN = history.at(-1)?.n ?? 0;
    // Live reports that came early are handed over after the caller has taken
    // the history in (its continuation runs in microtasks); later ones queue behind them.
    if (watcher.early.length > 0) {
      setImmediate(() => {
        while (watcher.early.length > 0) this.#deliver(watcher, watcher.early.shift()!);
      });
    }
    return { history: history.map((h) => h.report), stop };
  }

  /** A live report from the event channel. */
  publish(jobId: string, report: NumberedReport): void {
    const set = this.#watchers.get(jobId);
    if (!set) return;
    for (const watcher of set) {
      if (watcher.lastN === -1 || watcher.early.length > 0) watcher.early.push(report);
      else this.#deliver(watcher, report);
    }
  }

  /** After a reconnect of the event channel: every watcher reads what it may have missed. */
  catchUpAll(): void {
    for (const set of this.#watchers.values())
      for (const watcher of set) if (watcher.lastN >= 0) this.#catchUp(watcher);
  }

  #deliver(watcher: Watcher, { n, report }: NumberedReport): void {
    if (n <= watcher.lastN) return;
    if (n === watcher.lastN + 1) {
      watcher.lastN = n;
      safely(watcher.listener, report);
    } else {
      this.#catchUp(watcher);
    }
  }

  #catchUp(watcher: Watcher): void {
    this.#fetch(watcher.jobId).then(
      (history) => {
        for (const entry of history ?? []) {
          if (entry.n <= watcher.lastN) continue;
          watcher.lastN = entry.n;
          safely(watcher.listener, entry.report);
        }
      },
      (error: unknown) => warn(`catching a watcher up failed: ${String(error)}`),
    );
  }
}

function safely<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    warn(`a report listener threw: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function warn(message: string): void {
  process.emitWarning(`drover redis broker: ${message}`);
}
