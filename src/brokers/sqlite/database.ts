import type BetterSqlite3 from 'better-sqlite3';
import { BrokerError } from '../../core/errors.js';
import type { Migration } from './migrations/index.js';
import { MIGRATIONS } from './migrations/index.js';
import type { ResolvedSqliteOptions } from './options.js';

/** A better-sqlite3 connection. */
export type Database = BetterSqlite3.Database;

/**
 * Opens the database: loads better-sqlite3 (only now, so it loads only when
 * SQLite is used), sets WAL, `synchronous`, `busy_timeout`, and applies
 * pending migrations.
 */
export async function openDatabase(options: ResolvedSqliteOptions): Promise<Database> {
  let Driver: typeof BetterSqlite3;
  try {
    Driver = (await import('better-sqlite3')).default;
  } catch (error) {
    throw new BrokerError(`Could not load better-sqlite3 for the sqlite:${options.path} broker: ${message(error)}`, {
      cause: error,
    });
  }
  let db: Database | undefined;
  try {
    db = new Driver(options.path, { timeout: options.busyTimeout });
    configure(db, options);
    migrate(db, MIGRATIONS);
    // Opening may block for the whole busyTimeout (other processes migrating); from now on one try
    // blocks at most busyBlock, and the write queue tries again with the event loop free.
    db.pragma(`busy_timeout = ${Math.min(options.busyBlock, options.busyTimeout)}`);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof BrokerError) throw error;
    throw new BrokerError(`Could not open the SQLite database sqlite:${options.path}: ${message(error)}`, {
      cause: error,
    });
  }
}

function configure(db: Database, options: ResolvedSqliteOptions): void {
  db.pragma(`busy_timeout = ${options.busyTimeout}`);
  if (options.path !== ':memory:') {
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode.toLowerCase() !== 'wal')
      throw new BrokerError(`sqlite:${options.path}: could not switch to WAL (journal_mode is ${mode})`);
  }
  db.pragma(`synchronous = ${options.synchronous}`);
  // Bounded WAL file after checkpoints; a larger page cache for the claim index.
  db.pragma('journal_size_limit = 67108864');
  db.pragma('cache_size = -32000');
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = OFF');
}

/**
 * Applies the migrations not yet recorded in `drover_migrations`, each in
 * its own `BEGIN IMMEDIATE` transaction, so processes opening the same file
 * at once apply each migration exactly once.
 */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS drover_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const current = db.prepare('SELECT coalesce(max(version), 0) FROM drover_migrations').pluck();
  const record = db.prepare(
    "INSERT INTO drover_migrations (version, name, applied_at) VALUES (?, ?, CAST(unixepoch('subsec') * 1000 AS INTEGER))",
  );
  const latest = migrations.at(-1)?.version ?? 0;
  const applied = current.get() as number;
  if (applied > latest) {
    throw new BrokerError(
      `The SQLite database is at schema version ${applied}, newer than this drover knows (${latest}); upgrade drover`,
    );
  }
  // By "recorded", not by "above the highest": migrations numbered per feature may land out of order.
  const recorded = db.prepare('SELECT 1 FROM drover_migrations WHERE version = ?').pluck();
  for (const migration of migrations) {
    db.transaction(() => {
      if (recorded.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name);
    }).immediate();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
