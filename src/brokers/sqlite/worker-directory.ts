/**
 * The worker directory on SQLite: one row per announcing process in
 * `drover_workers` (migration 0006), shared by every process on the
 * database file. Rare writes, so the statements are prepared on use.
 */
import type { WorkerPresence } from '../../core/contract/index.js';
import { parseWorkerList } from '../../core/worker-presence.js';
import type { Engine } from './engine.js';
import type { Tx } from './write-queue.js';

/** Replaces `instance`'s row (inside the write transaction); `[]` withdraws it. */
export function announceWorkers(
  engine: Engine,
  _tx: Tx,
  instance: string,
  workers: readonly WorkerPresence[],
  ttlMs: number,
): void {
  if (workers.length === 0) {
    engine.db.prepare('DELETE FROM drover_workers WHERE instance = ?').run(instance);
    return;
  }
  engine.db
    .prepare(
      'INSERT INTO drover_workers (instance, expires_at, workers) VALUES (?, ?, ?) ON CONFLICT (instance) DO UPDATE SET expires_at = excluded.expires_at, workers = excluded.workers',
    )
    .run(instance, Date.now() + Math.max(1, Math.ceil(ttlMs)), JSON.stringify(workers));
}

/** Deletes expired rows (inside the write transaction) and returns every live row's workers. */
export function listWorkers(engine: Engine, _tx: Tx): WorkerPresence[] {
  const now = Date.now();
  engine.db.prepare('DELETE FROM drover_workers WHERE expires_at <= ?').run(now);
  const rows = engine.db.prepare('SELECT workers FROM drover_workers').pluck().all() as string[];
  return rows.flatMap(parseWorkerList);
}
