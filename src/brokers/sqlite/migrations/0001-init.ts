/**
 * Migration 0001: the initial schema.
 *
 * drover_jobs     one row per job; `status` is the job's JobStatus. `token`
 *                 and `lease_until` are set only while `active`. `rn` is the
 *                 number of the job's last report (reports are numbered per job).
 *                 `expires_at` is set on finished jobs: when the sweeper prunes them.
 * drover_reports  a job's reports, numbered by `n`. A `succeeded` report's
 *                 result lives on the job row (written once).
 * drover_counts   jobs per (queue, status), kept by triggers so counts() never
 *                 scans the jobs table.
 *
 * Indexes are partial: each covers only the rows one access path needs, so a
 * finished job costs no index upkeep beyond its primary key, id and expiry.
 */
export const version = 1;
export const name = 'init';
export const sql = /* sql */ `
CREATE TABLE drover_jobs (
  seq          INTEGER PRIMARY KEY,
  id           TEXT    NOT NULL UNIQUE,
  task         TEXT    NOT NULL,
  queue        TEXT    NOT NULL,
  args         BLOB,
  status       TEXT    NOT NULL,
  priority     INTEGER NOT NULL DEFAULT 0,
  attempt      INTEGER NOT NULL DEFAULT 0,
  retries      INTEGER NOT NULL,
  options      TEXT    NOT NULL,
  key          TEXT,
  run_at       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  expires_at   INTEGER,
  token        TEXT,
  lease_until  INTEGER,
  worker_id    TEXT,
  progress     BLOB,
  result       BLOB,
  error        TEXT,
  rn           INTEGER NOT NULL DEFAULT 0
);

-- Claims: highest priority first, then by when the job became ready, then FIFO.
CREATE INDEX drover_jobs_ready ON drover_jobs (queue, priority DESC, run_at, seq) WHERE status = 'queued';
CREATE INDEX drover_jobs_delayed ON drover_jobs (run_at) WHERE status = 'delayed';
CREATE INDEX drover_jobs_leased ON drover_jobs (lease_until) WHERE status = 'active';
CREATE INDEX drover_jobs_expiry ON drover_jobs (expires_at) WHERE expires_at IS NOT NULL;
CREATE UNIQUE INDEX drover_jobs_live_key ON drover_jobs (key) WHERE key IS NOT NULL AND status IN ('queued', 'delayed', 'active');
CREATE INDEX drover_jobs_failed ON drover_jobs (seq) WHERE status = 'failed';
CREATE INDEX drover_jobs_failed_queue ON drover_jobs (queue, seq) WHERE status = 'failed';

CREATE TABLE drover_reports (
  job_id   TEXT    NOT NULL,
  n        INTEGER NOT NULL,
  status   TEXT    NOT NULL,
  attempt  INTEGER NOT NULL,
  at       INTEGER NOT NULL,
  value    BLOB,
  error    TEXT,
  PRIMARY KEY (job_id, n)
) WITHOUT ROWID;

CREATE TABLE drover_counts (
  queue   TEXT    NOT NULL,
  status  TEXT    NOT NULL,
  n       INTEGER NOT NULL,
  PRIMARY KEY (queue, status)
) WITHOUT ROWID;

CREATE TRIGGER drover_jobs_counted AFTER INSERT ON drover_jobs BEGIN
  INSERT INTO drover_counts (queue, status, n) VALUES (new.queue, new.status, 1)
    ON CONFLICT (queue, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER drover_jobs_recounted AFTER UPDATE OF status ON drover_jobs WHEN old.status <> new.status BEGIN
  UPDATE drover_counts SET n = n - 1 WHERE queue = old.queue AND status = old.status;
  INSERT INTO drover_counts (queue, status, n) VALUES (new.queue, new.status, 1)
    ON CONFLICT (queue, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER drover_jobs_removed AFTER DELETE ON drover_jobs BEGIN
  UPDATE drover_counts SET n = n - 1 WHERE queue = old.queue AND status = old.status;
  DELETE FROM drover_reports WHERE job_id = old.id;
END;
`;
