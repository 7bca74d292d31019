import type { Database } from './database.js';
import type { ResolvedSqliteOptions } from './options.js';
import { ReportHub } from './reports.js';
import { Statements } from './statements.js';
import { WriteQueue } from './write-queue.js';

/** Listeners of `onReady` and `onCancel`, called after commits. */
export class Signals {
  readonly #ready = new Set<() => void>();
  readonly #cancel = new Set<(jobId: string) => void>();
  #readyScheduled = false;

  onReady(listener: () => void): () => void {
    const wrapped = (): void => listener();
    this.#ready.add(wrapped);
    return () => this.#ready.delete(wrapped);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    const wrapped = (jobId: string): void => listener(jobId);
    this.#cancel.add(wrapped);
    return () => this.#cancel.delete(wrapped);
  }

  /** Jobs may have become leasable; coalesced to one call per turn. */
  ready(): void {
    if (this.#readyScheduled || this.#ready.size === 0) return;
    this.#readyScheduled = true;
    queueMicrotask(() => {
      this.#readyScheduled = false;
      for (const listener of this.#ready) safely(listener);
    });
  }

  cancelled(jobId: string): void {
    for (const listener of this.#cancel) safely(() => listener(jobId));
  }
}

/**
 * The connected state of one SQLite broker: the connection, its prepared
 * statements, the group-commit queue and the report hub. The broker facade
 * makes one on `connect()` and drops it on `close()`.
 */
export class Engine {
  readonly db: Database;
  readonly s: Statements;
  readonly writes: WriteQueue;
  readonly reports: ReportHub;
  readonly options: ResolvedSqliteOptions;
  readonly signals: Signals;
  /**
   * Leases handed out by this instance and not yet finished through it
   * (job id → token), so a cancel made by another process still reaches
   * `onCancel` here (see the change poller).
   */
  readonly held = new Map<string, string>();

  constructor(db: Database, options: ResolvedSqliteOptions, signals: Signals) {
    this.db = db;
    this.options = options;
    this.signals = signals;
    this.s = new Statements(db);
    this.writes = new WriteQueue(db, this.s, `sqlite:${options.path}`, options);
    this.reports = new ReportHub(this.s, options.codec);
  }

  /** The database clock (epoch ms), read outside any write. */
  now(): number {
    return this.s.now.get()!;
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    process.emitWarning(
      `drover sqlite broker: a listener threw: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
