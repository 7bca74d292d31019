import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';

/**
 * The status changes of the hot path (a claim: queued / delayed → active; an
 * ack: active → succeeded), counted by the writer instead of the
 * `drover_amqp_jobs_recounted` trigger (schema.ts): the statements that make
 * them flip the row's `self_counted`, which the trigger skips, and add the
 * move here. At the end of each write transaction the moves go into
 * `drover_amqp_counts` as one upsert per (ns, queue, status): a batch of 50
 * claims costs 2 statements instead of 100. A transaction that rolls back
 * drops its moves (`begin()` starts each one empty).
 */
export class CountTally {
  readonly #add: Statement;
  /** ns → queue → status → change of n. */
  #moves = new Map<string, Map<string, Map<string, number>>>();
  #empty = true;

  constructor(db: BetterSqlite3.Database) {
    this.#add = db.prepare(
      `INSERT INTO drover_amqp_counts (ns, queue, status, n) VALUES (?, ?, ?, ?)
         ON CONFLICT (ns, queue, status) DO UPDATE SET n = n + excluded.n`,
    );
  }

  /** A job of (`ns`, `queue`) moved from status `from` to `to` in this transaction. */
  move(ns: string, queue: string, from: string, to: string): void {
    if (from === to) return;
    let byQueue = this.#moves.get(ns);
    if (!byQueue) this.#moves.set(ns, (byQueue = new Map<string, Map<string, number>>()));
    let byStatus = byQueue.get(queue);
    if (!byStatus) byQueue.set(queue, (byStatus = new Map<string, number>()));
    byStatus.set(from, (byStatus.get(from) ?? 0) - 1);
    byStatus.set(to, (byStatus.get(to) ?? 0) + 1);
    this.#empty = false;
  }

  /** A write transaction starts: nothing counted yet. */
  begin(): void {
    if (this.#empty) return;
    this.#moves = new Map();
    this.#empty = true;
  }

  /** The transaction is about to commit: writes the counted moves (inside it). */
  flush(): void {
    if (this.#empty) return;
    for (const [ns, byQueue] of this.#moves)
      for (const [queue, byStatus] of byQueue)
        for (const [status, n] of byStatus) if (n !== 0) this.#add.run(ns, queue, status, n);
    this.#moves = new Map();
    this.#empty = true;
  }
}
