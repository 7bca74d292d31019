/**
 * Migration 0007: handlers' log lines, kept with their jobs.
 *
 * drover_job_logs  one row per job that logged; `lines` holds the last 200
 *                  lines as newline-joined JSON (core/job-log-lines.ts). In
 *                  a table of their own so job reads and listings never
 *                  carry them; deleted with the job by a trigger.
 */
export const version = 7;
export const name = 'job-logs';
export const sql = /* sql */ `
CREATE TABLE drover_job_logs (
  job_id  TEXT PRIMARY KEY,
  lines   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER drover_job_logs_removed AFTER DELETE ON drover_jobs BEGIN
  DELETE FROM drover_job_logs WHERE job_id = old.id;
END;
`;
