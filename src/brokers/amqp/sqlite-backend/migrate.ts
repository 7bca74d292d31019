import type BetterSqlite3 from 'better-sqlite3';

/**
 * Migration 2 of the AMQP SQLite backend (schema.ts): jobs get `grp` (their
 * `group` option as a column, so the group-concurrency index reads no JSON on
 * every status change) and `an` (the number of the current attempt's `active`
 * report when it has no row; NULL on jobs of version 1, whose reports are all rows).
 */
const MIGRATION_2 = /* sql */ `
ALTER TABLE drover_amqp_jobs ADD COLUMN grp TEXT;
ALTER TABLE drover_amqp_jobs ADD COLUMN an INTEGER;
UPDATE drover_amqp_jobs SET grp = json_extract(options, '$.group') WHERE json_type(options, '$.group') = 'text';
DROP INDEX IF EXISTS drover_amqp_jobs_group_active;
`;

/**
 * Migration 3: jobs get `self_counted`, and the status trigger is replaced by
 * one that skips the changes claim and ack count themselves (count-tally.ts);
 * schema.ts creates it again after this.
 */
const MIGRATION_3 = /* sql */ `
ALTER TABLE drover_amqp_jobs ADD COLUMN self_counted INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER IF EXISTS drover_amqp_jobs_recounted;
`;

/** Brings a version 1 or 2 file up to version 3 (idempotent; runs inside the schema's write transaction). */
export function migrate(db: BetterSqlite3.Database): void {
  const columns = db.pragma('table_info(drover_amqp_jobs)') as { name: string }[];
  if (!columns.some((c) => c.name === 'grp')) db.exec(MIGRATION_2);
  if (!columns.some((c) => c.name === 'self_counted')) db.exec(MIGRATION_3);
}
