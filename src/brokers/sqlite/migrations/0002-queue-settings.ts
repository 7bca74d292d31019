/**
 * Migration 0002: per-queue settings (the options table's queue settings).
 *
 * drover_queue_settings  one row per queue that has settings; `settings` is
 *                        their JSON, without defaults (a setting put back to
 *                        its default is removed; an empty object removes the row).
 */
export const version = 2;
export const name = 'queue-settings';
export const sql = /* sql */ `
CREATE TABLE drover_queue_settings (
  queue     TEXT PRIMARY KEY,
  settings  TEXT NOT NULL
) WITHOUT ROWID;
`;
