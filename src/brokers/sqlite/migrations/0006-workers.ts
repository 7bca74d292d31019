/**
 * Migration 0006: the worker directory.
 *
 * drover_workers  one row per process that announced its workers; `workers`
 *                 is their JSON, `expires_at` (epoch ms) when the row stops
 *                 counting unless announced again. Listing deletes expired rows.
 */
export const version = 6;
export const name = 'workers';
export const sql = /* sql */ `
CREATE TABLE drover_workers (
  instance    TEXT PRIMARY KEY,
  expires_at  INTEGER NOT NULL,
  workers     TEXT NOT NULL
) WITHOUT ROWID;
`;
