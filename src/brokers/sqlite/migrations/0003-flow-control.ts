/**
 * Migration 0003: flow control (docs/flow-control.md).
 *
 * drover_jobs.grp       the job's `group` option, generated from its options
 *                       JSON (virtual: no storage), indexed for active jobs so
 *                       a claim counts a group's active jobs from the index.
 * drover_queue_state    per queue, `limited_until`: nothing is leased from the
 *                       queue before it (set by a handler's RateLimited).
 * drover_rate_window    one row per lease of a rate-limited queue inside its
 *                       window; a claim deletes the rows older than `per`, so
 *                       a queue keeps at most its `max` rows.
 */
export const version = 3;
export const name = 'flow-control';
export const sql = /* sql */ `
ALTER TABLE drover_jobs ADD COLUMN grp TEXT GENERATED ALWAYS AS (json_extract(options, '$.group')) VIRTUAL;
CREATE INDEX drover_jobs_group_active ON drover_jobs (queue, grp) WHERE status = 'active' AND grp IS NOT NULL;

CREATE TABLE drover_queue_state (
  queue          TEXT PRIMARY KEY,
  limited_until  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE drover_rate_window (
  queue  TEXT    NOT NULL,
  at     INTEGER NOT NULL
);
CREATE INDEX drover_rate_window_queue ON drover_rate_window (queue, at);
`;
