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

/** Brings a version 1 file up to version 2 (idempotent; runs inside the schema's write transaction). */
export function migrate(db: BetterSqlite3.Database): void {
  const columns = db.pragma('table_info(drover_amqp_jobs)') as { name: string }[];
  if (columns.some((c) => c.name === 'grp')) return;
  db.exec(MIGRATION_2);
}
