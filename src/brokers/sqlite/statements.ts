import type { Statement } from 'better-sqlite3';
import type { JobStatus } from '../../core/report.js';
import type { Database } from './database.js';

const LIVE = "('queued', 'delayed', 'active')";
/** Columns a lease hands back. */
const CLAIMED = 'seq, id, task, queue, args, attempt, options, token, priority, run_at, rn';
const CLAIM_SET = `status = 'active', attempt = attempt + 1, token = lower(hex(randomblob(12))), lease_until = ?, started_at = ?, worker_id = ?, rn = rn + 1`;
/** What ack / nack / progress hand back to build their report. */
const OUTCOME = 'task, queue, attempt, rn, flow_id, flow_step';

/**
 * Every prepared statement, made once per connection. Hot paths use
 * positional parameters; the order is given in each comment.
 */
export class Statements {
  readonly #db: Database;
  readonly #lists = new Map<string, Statement>();

  /** () → the database clock in epoch ms (S23: one clock for every process). */
  readonly now: Statement<[], number>;
  /** (id, task, queue, args, status, priority, retries, options, key, run_at, created_at, flow_id, flow_step) */
  readonly insertJob: Statement;
  /** (job_id, n, status, attempt, at, value, error) */
  readonly insertReport: Statement;
  /** (key) → { id, status } of the live job holding it */
  readonly findLiveKey: Statement<[string]>;

  /** (until, now, worker, queue, max) → claimed rows of one queue */
  readonly claimQueue: Statement;
  /** (queue, max) → { seq, priority, run_at } candidates of one queue */
  readonly candidates: Statement;
  /** (until, now, worker, seqs as a JSON array) → claimed rows */
  readonly claimSeqs: Statement;
  /** (until, now, worker, seq) → the claimed row, if still queued */
  readonly claimOne: Statement;
  /** (queue) → 1 if anything is ready there */
  readonly anyReady: Statement<[string]>;
  /** (now) → 1 if a delayed job is due */
  readonly anyDue: Statement<[number]>;
  /** (now, limit) → promotes due delayed jobs */
  readonly promoteDue: Statement<[number, number]>;

  /** (result, now, expires, id, token) → outcome row */
  readonly ack: Statement;
  /** (status, run_at, error, id, token) → outcome row */
  readonly nackRetry: Statement;
  /** (error, now, expires, id, token) → outcome row */
  readonly nackFail: Statement;
  /** (value, id, token) → outcome row */
  readonly progress: Statement;
  /** (job_id, n) drops old progress reports */
  readonly trimProgress: Statement;
  /** (until, id, token) */
  readonly extend: Statement;
  /** (id, token) */
  readonly release: Statement;

  /** (id) → the whole row */
  readonly getJob: Statement<[string]>;
  /** (now, expires, id) → outcome row; only live jobs */
  readonly cancel: Statement;
  /** (now, key, id) → the whole row */
  readonly rerun: Statement;
  /** (job_id) */
  readonly deleteReports: Statement<[string]>;
  /** (job_id, after n) → report rows with the job's result */
  readonly reportsAfter: Statement<[string, number]>;
  /** (ids as a JSON array) → { id, rn } */
  readonly reportNumbers: Statement<[string]>;
  /** (ids as a JSON array) → { id, status, token } */
  readonly leaseStates: Statement<[string]>;
  readonly counts: Statement<[]>;
  readonly dataVersion: Statement<[], number>;

  /** (now) → 1 if a lease has run out */
  readonly anyExpired: Statement<[number]>;
  /** ({ now, expires, prefix, suffix, limit }) → expired rows, now queued or failed */
  readonly expireLeases: Statement;
  /** (now) → 1 if a finished job is past its TTL */
  readonly anyPrunable: Statement<[number]>;
  /** (now, limit) */
  readonly prune: Statement<[number, number]>;

  constructor(db: Database) {
    this.#db = db;
    const p = (sql: string): Statement => db.prepare(sql);
    this.now = db.prepare<[], number>("SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER)").pluck();
    this.insertJob = p(
      'INSERT INTO drover_jobs (id, task, queue, args, status, priority, retries, options, key, run_at, created_at, flow_id, flow_step, rn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)',
    );
    this.insertReport = p(
      'INSERT INTO drover_reports (job_id, n, status, attempt, at, value, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.findLiveKey = db.prepare(`SELECT id, status FROM drover_jobs WHERE key = ? AND status IN ${LIVE}`);

    const ready = "FROM drover_jobs WHERE queue = ? AND status = 'queued' ORDER BY priority DESC, run_at, seq LIMIT ?";
    this.claimQueue = p(`UPDATE drover_jobs SET ${CLAIM_SET} WHERE seq IN (SELECT seq ${ready}) RETURNING ${CLAIMED}`);
    this.candidates = p(`SELECT seq, priority, run_at ${ready}`);
    this.claimSeqs = p(
      `UPDATE drover_jobs SET ${CLAIM_SET} WHERE seq IN (SELECT value FROM json_each(?)) AND status = 'queued' RETURNING ${CLAIMED}`,
    );
    this.claimOne = p(`UPDATE drover_jobs SET ${CLAIM_SET} WHERE seq = ? AND status = 'queued' RETURNING ${CLAIMED}`);
    this.anyReady = db.prepare("SELECT 1 FROM drover_jobs WHERE queue = ? AND status = 'queued' LIMIT 1").pluck();
    this.anyDue = db.prepare("SELECT 1 FROM drover_jobs WHERE status = 'delayed' AND run_at <= ? LIMIT 1").pluck();
    this.promoteDue = db.prepare(
      "UPDATE drover_jobs SET status = 'queued' WHERE seq IN (SELECT seq FROM drover_jobs WHERE status = 'delayed' AND run_at <= ? ORDER BY run_at LIMIT ?)",
    );

    const held = "WHERE id = ? AND token = ? AND status = 'active'";
    const done = 'token = NULL, lease_until = NULL, rn = rn + 1';
    this.ack = p(
      `UPDATE drover_jobs SET status = 'succeeded', result = ?, error = NULL, finished_at = ?, expires_at = ?, ${done} ${held} RETURNING ${OUTCOME}`,
    );
    this.nackRetry = p(
      `UPDATE drover_jobs SET status = ?, run_at = ?, error = ?, ${done} ${held} RETURNING ${OUTCOME}`,
    );
    this.nackFail = p(
      `UPDATE drover_jobs SET status = 'failed', error = ?, finished_at = ?, expires_at = ?, ${done} ${held} RETURNING ${OUTCOME}`,
    );
    this.progress = p(`UPDATE drover_jobs SET progress = ?, rn = rn + 1 ${held} RETURNING ${OUTCOME}`);
    this.trimProgress = p("DELETE FROM drover_reports WHERE job_id = ? AND n <= ? AND status = 'progress'");
    this.extend = p(`UPDATE drover_jobs SET lease_until = ? ${held}`);
    this.release = p(
      `UPDATE drover_jobs SET status = 'queued', attempt = attempt - 1, token = NULL, lease_until = NULL ${held}`,
    );

    this.getJob = db.prepare('SELECT * FROM drover_jobs WHERE id = ?');
    this.cancel = p(
      `UPDATE drover_jobs SET status = 'cancelled', finished_at = ?, expires_at = ?, ${done} WHERE id = ? AND status IN ${LIVE} RETURNING ${OUTCOME}`,
    );
    this.rerun = p(
      `UPDATE drover_jobs SET status = 'queued', attempt = 0, run_at = ?, key = ?, started_at = NULL, finished_at = NULL, expires_at = NULL,
         worker_id = NULL, progress = NULL, result = NULL, error = NULL, ${done} WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING *`,
    );
    this.deleteReports = db.prepare('DELETE FROM drover_reports WHERE job_id = ?');
    this.reportsAfter = db.prepare(
      `SELECT r.n, r.status, r.attempt, r.at, r.value, r.error, CASE WHEN r.status = 'succeeded' THEN j.result END AS result
         FROM drover_reports r JOIN drover_jobs j ON j.id = r.job_id WHERE r.job_id = ? AND r.n > ? ORDER BY r.n`,
    );
    this.reportNumbers = db.prepare('SELECT id, rn FROM drover_jobs WHERE id IN (SELECT value FROM json_each(?))');
    this.leaseStates = db.prepare(
      'SELECT id, status, token FROM drover_jobs WHERE id IN (SELECT value FROM json_each(?))',
    );
    this.counts = db.prepare('SELECT queue, status, n FROM drover_counts ORDER BY queue');
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();

    this.anyExpired = db
      .prepare("SELECT 1 FROM drover_jobs WHERE status = 'active' AND lease_until <= ? LIMIT 1")
      .pluck();
    const requeue = 'attempt <= retries';
    this.expireLeases = p(
      `UPDATE drover_jobs SET
         status = CASE WHEN ${requeue} THEN 'queued' ELSE 'failed' END,
         run_at = CASE WHEN ${requeue} THEN @now ELSE run_at END,
         finished_at = CASE WHEN ${requeue} THEN NULL ELSE @now END,
         expires_at = CASE WHEN ${requeue} THEN NULL ELSE @expires END,
         error = json_object('name', 'LeaseExpiredError', 'message', @prefix || id || @suffix, 'code', 'ERR_DROVER_LEASE_EXPIRED'),
         ${done}
       WHERE seq IN (SELECT seq FROM drover_jobs WHERE status = 'active' AND lease_until <= @now ORDER BY lease_until LIMIT @limit)
       RETURNING id, task, queue, status, attempt, rn, error, flow_id, flow_step`,
    );
    this.anyPrunable = db.prepare('SELECT 1 FROM drover_jobs WHERE expires_at <= ? LIMIT 1').pluck();
    this.prune = db.prepare(
      'DELETE FROM drover_jobs WHERE seq IN (SELECT seq FROM drover_jobs WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)',
    );
  }

  /**
   * (cursor seq, [queue], limit) → rows of one status, newest first. One
   * statement per status, with the status inlined, so the partial indexes apply.
   */
  list(status: JobStatus, byQueue: boolean): Statement {
    const name = `${status}|${byQueue}`;
    let statement = this.#lists.get(name);
    if (!statement) {
      const queue = byQueue ? 'AND queue = ?' : '';
      statement = this.#db.prepare(
        `SELECT * FROM drover_jobs WHERE status = '${status}' AND seq < ? ${queue} ORDER BY seq DESC LIMIT ?`,
      );
      this.#lists.set(name, statement);
    }
    return statement;
  }
}
