/**
 * Schema of the AMQP broker's SQLite result backend (its own tables, so it
 * may share a file with anything else). Version 2; `migrate.ts` brings a
 * version 1 or 2 file up.
 *
 * drover_amqp_jobs     one row per job, `ns` = the broker's prefix. `gen` and
 *                      `ticket` name the one RabbitMQ ticket that may claim the
 *                      job (queued / delayed) or that holds it (active).
 *                      `token` / `lease_until` are set only while active;
 *                      `rn` is the number of the job's last report;
 *                      `expires_at` is set on finished jobs (pruned then);
 *                      `grp` is the job's `group` option (indexed while active,
 *                      for groupConcurrency); `an` is the number of the current
 *                      attempt's `active` report, which has no row (see below);
 *                      `self_counted` flips on each status change its writer
 *                      counts itself (count-tally.ts), skipped by the trigger.
 * drover_amqp_reports  a job's reports, numbered by `n`, except the two the job
 *                      row tells (no write on the hot path): the current
 *                      attempt's `active` report (n = `an`, at = `started_at`)
 *                      and, once succeeded, the `succeeded` report (n = `rn`,
 *                      at = `finished_at`). A claim that replaces `an` (the next
 *                      attempt) or a release first stores the old one as a row.
 * drover_amqp_counts   jobs per (ns, queue, status), kept by triggers, except
 *                      the hot path's changes: claim and ack count theirs in
 *                      one upsert per transaction (count-tally.ts).
 * drover_amqp_schedules  the broker's schedules per (ns, name), as the
 *                      SQLite broker's `drover_schedules` (its `ScheduleTable`).
 */
export const SCHEMA_VERSION = 3;

export const SCHEMA = /* sql */ `
CREATE TABLE IF NOT EXISTS drover_amqp_jobs (
  seq          INTEGER PRIMARY KEY,
  ns           TEXT    NOT NULL,
  id           TEXT    NOT NULL UNIQUE,
  task         TEXT    NOT NULL,
  queue        TEXT    NOT NULL,
  args         BLOB,
  status       TEXT    NOT NULL,
  priority     INTEGER NOT NULL,
  attempt      INTEGER NOT NULL DEFAULT 0,
  retries      INTEGER NOT NULL,
  options      TEXT    NOT NULL,
  key          TEXT,
  run_at       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  expires_at   INTEGER,
  gen          INTEGER NOT NULL,
  ticket       TEXT    NOT NULL,
  token        TEXT,
  lease_until  INTEGER,
  worker_id    TEXT,
  progress     BLOB,
  result       BLOB,
  error        TEXT,
  rn           INTEGER NOT NULL,
  grp          TEXT,
  an           INTEGER,
  self_counted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS drover_amqp_jobs_leased ON drover_amqp_jobs (ns, lease_until) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS drover_amqp_jobs_expiry ON drover_amqp_jobs (ns, expires_at) WHERE expires_at IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS drover_amqp_jobs_live_key ON drover_amqp_jobs (ns, key)
  WHERE key IS NOT NULL AND status IN ('queued', 'delayed', 'active');
CREATE INDEX IF NOT EXISTS drover_amqp_jobs_listing ON drover_amqp_jobs (ns, status, seq);

CREATE TABLE IF NOT EXISTS drover_amqp_reports (
  job_id   TEXT    NOT NULL,
  n        INTEGER NOT NULL,
  status   TEXT    NOT NULL,
  attempt  INTEGER NOT NULL,
  at       INTEGER NOT NULL,
  value    BLOB,
  error    TEXT,
  PRIMARY KEY (job_id, n)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS drover_amqp_counts (
  ns      TEXT    NOT NULL,
  queue   TEXT    NOT NULL,
  status  TEXT    NOT NULL,
  n       INTEGER NOT NULL,
  PRIMARY KEY (ns, queue, status)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS drover_amqp_schedules (
  ns          TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  definition  TEXT    NOT NULL,
  rev         INTEGER NOT NULL,
  since       INTEGER NOT NULL,
  last_at     INTEGER,
  last_job_id TEXT,
  paused      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (ns, name)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS drover_amqp_jobs_counted AFTER INSERT ON drover_amqp_jobs BEGIN
  INSERT INTO drover_amqp_counts (ns, queue, status, n) VALUES (new.ns, new.queue, new.status, 1)
    ON CONFLICT (ns, queue, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS drover_amqp_jobs_removed AFTER DELETE ON drover_amqp_jobs BEGIN
  UPDATE drover_amqp_counts SET n = n - 1 WHERE ns = old.ns AND queue = old.queue AND status = old.status;
  DELETE FROM drover_amqp_reports WHERE job_id = old.id;
END;
`;

/**
 * The trigger that counts status changes, except those whose statement
 * flips `self_counted`: their writer counts them (count-tally.ts). Created
 * after `migrate()` (it names a column a version 2 file gets there).
 */
export const RECOUNT_TRIGGER = /* sql */ `
CREATE TRIGGER IF NOT EXISTS drover_amqp_jobs_recounted AFTER UPDATE OF status ON drover_amqp_jobs
  WHEN old.status <> new.status AND new.self_counted = old.self_counted BEGIN
  UPDATE drover_amqp_counts SET n = n - 1 WHERE ns = old.ns AND queue = old.queue AND status = old.status;
  INSERT INTO drover_amqp_counts (ns, queue, status, n) VALUES (new.ns, new.queue, new.status, 1)
    ON CONFLICT (ns, queue, status) DO UPDATE SET n = n + 1;
END;
`;
