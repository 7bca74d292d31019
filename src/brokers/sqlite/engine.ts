import { CoalescedSignal, ListenerSet } from '../../core/listener-set.js';
import type { Database } from './database.js';
import type { ResolvedSqliteOptions } from './options.js';
import { ReportHub } from './reports.js';
import { Statements } from './statements.js';
import { WriteQueue } from './write-queue.js';
import { WalSync } from './wal-sync.js';
import { resolve } from 'node:path';

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
    const label = `sqlite:${options.path}`;
    this.writes = new WriteQueue(db, this.s, label, { ...options, sync: walSync(db, options, label) });
    this.reports = new ReportHub(this.s, options.codec);
  }

  /** The database clock (epoch ms), read outside any write. */
  now(): number {
    return this.s.now.get()!;
  }
}

/**
 * With synchronous=FULL on a file, commits run with SQLite's NORMAL and a
 * {@link WalSync} makes them durable off the event loop (same guarantee:
 * a write resolves once on disk); undefined otherwise.
 */
function walSync(db: Database, options: ResolvedSqliteOptions, label: string): WalSync | undefined {
  if (options.synchronous !== 'FULL' || db.memory) return undefined;
  db.pragma('synchronous = NORMAL');
  return new WalSync(`${resolve(db.name)}-wal`, label);
}
