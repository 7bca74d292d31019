import { CoalescedSignal, ListenerSet } from '../../core/listener-set.js';
import type { Database } from './database.js';
import type { ResolvedSqliteOptions } from './options.js';
import { ReportHub } from './reports.js';
import { Statements } from './statements.js';
import { WriteQueue } from './write-queue.js';

const OWNER = 'drover sqlite broker';

/** Listeners of `onReady` and `onCancel`, called after commits. */
export class Signals {
  readonly #ready = new CoalescedSignal(OWNER);
  readonly #cancel = new ListenerSet<[jobId: string]>(OWNER);

  onReady(listener: () => void): () => void {
    return this.#ready.add(listener);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#cancel.add(listener);
  }

  /** Jobs may have become leasable; coalesced to one call per turn. */
  ready(): void {
    this.#ready.fire();
  }

  cancelled(jobId: string): void {
    this.#cancel.emit(jobId);
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
