/**
 * Migration 0004: schedules (DESIGN §11, the `ScheduleStore` part).
 *
 * drover_schedules  one row per schedule: its definition (JSON), its
 *                   revision, when the definition was stored (`since`),
 *                   the last tick fired or skipped (`last_at`, only ever
 *                   moves forward: the compare-and-set of a fire), the job
 *                   of the last fire, and whether it is paused.
 */
export const version = 4;
export const name = 'schedules';
export const sql = /* sql */ `
CREATE TABLE drover_schedules (
  name        TEXT PRIMARY KEY,
  definition  TEXT NOT NULL,
  rev         INTEGER NOT NULL,
  since       INTEGER NOT NULL,
  last_at     INTEGER,
  last_job_id TEXT,
  paused      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;
