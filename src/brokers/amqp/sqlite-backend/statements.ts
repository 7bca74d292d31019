import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { JobStatus } from '../../../core/report.js';
import { CLAIM_COLUMNS } from './claim-row.js';

type Db = BetterSqlite3.Database;

const LIVE = "('queued', 'delayed', 'active')";
const HELD = "WHERE id = ? AND token = ? AND status = 'active'";
const DONE = 'token = NULL, lease_until = NULL, rn = rn + 1';
/** A status change the statement's caller counts (count-tally.ts): the trigger skips it. */
const SELF_COUNTED = 'self_counted = 1 - self_counted';
/** What an outcome hands back to build its report. */
const OUTCOME = 'task, queue, attempt, rn';

/**
 * Prepared statements of the SQLite backend, made once per connection.
 * Parameter order is given per statement.
 */
export class Statements {
  readonly #db: Db;
  readonly #lists = new Map<string, Statement>();

  /** (ns, id, task, queue, args, status, priority, retries, options, key, run_at, created_at, gen, ticket, grp) */
  readonly insertJob: Statement;
  /** (job_id, n, status, attempt, at, value, error) */
  readonly insertReport: Statement;
  /** (ns, key) → { id, status } */
  readonly liveKey: Statement;
  /** (id) → the claim view of a job, raw (read it with `readClaimRow`) */
  readonly claimView: Statement;
  /** (token, lease_until, now, worker, rn, rn again, seq): the `active` report is the row's (an = rn); counted by the caller */
  readonly claim: Statement;
  /**
   * (token, lease_until, now, worker, id, gen, ticket, queue) → raw `[ns, task, args, attempt, options, rn]`:
   * claims a queued job on its first attempt in one statement (no gate on its queue); counted by the caller
   */
  readonly claimQueued: Statement;
  /** (error, rn, id) after a takeover that spends the last attempt: failed */
  readonly takeoverFail: Statement;
  /** (now, expires, error, rn, id) */
  readonly failNow: Statement;
  /** (result, now, expires, id, token) → outcome and ns; counted by the caller */
  readonly ack: Statement;
  /** (status, run_at, error, gen, ticket, id, token) → outcome */
  readonly nackRetry: Statement;
  /** (error, now, expires, id, token) → outcome */
  readonly nackFail: Statement;
  /** (value, id, token) → outcome */
  readonly progress: Statement;
  /** (job_id, n) */
  readonly trimProgress: Statement;
  /** (until, id, token) */
  readonly extend: Statement;
  /** (id, token) */
  readonly release: Statement;
  /** (id, token): stores the held attempt's `active` report as a row (before a release) */
  readonly storeActive: Statement;
  /** (ns, now, limit) → expired leases */
  readonly expired: Statement;
  /** (run_at, error, gen, ticket, id, token, now) → outcome */
  readonly expireRequeue: Statement;
  /** (error, now, expires, id, token, now) → outcome */
  readonly expireFail: Statement;
  /** (ns, now, limit) */
  readonly prune: Statement;
  /** (id) → whole row */
  readonly getJob: Statement;
  /** (now, expires, id) → outcome, live jobs only */
  readonly cancel: Statement;
  /** (now, key, gen, ticket, id, previous gen) → whole row */
  readonly rerun: Statement;
  /** (job_id) */
  readonly deleteReports: Statement;
  /** ({ id, after }) → reports after n, with the result */
  readonly reportsAfter: Statement;
  /** (ids JSON) → { id, rn } */
  readonly reportNumbers: Statement;
  /** (ids JSON) → { id, status, token } */
  readonly leaseStates: Statement;
  /** (ns, queues JSON) → count */
  readonly readyCount: Statement;
  /** (ns) → { queue, status, n } */
  readonly counts: Statement;

  constructor(db: Db) {
    this.#db = db;
    const p = (sql: string): Statement => db.prepare(sql);
    this.insertJob = p(
      `INSERT INTO drover_amqp_jobs (ns, id, task, queue, args, status, priority, retries, options, key, run_at, created_at, gen, ticket, grp, rn)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    this.insertReport = p(
      'INSERT INTO drover_amqp_reports (job_id, n, status, attempt, at, value, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.liveKey = p(`SELECT id, status FROM drover_amqp_jobs WHERE ns = ? AND key = ? AND status IN ${LIVE}`);
    this.claimView = p(`SELECT ${CLAIM_COLUMNS} FROM drover_amqp_jobs WHERE id = ?`).raw(true);
    this.claim = p(
      `UPDATE drover_amqp_jobs SET status = 'active', attempt = attempt + 1, token = ?, lease_until = ?, started_at = ?,
         worker_id = ?, rn = ?, an = ?, ${SELF_COUNTED} WHERE seq = ?`,
    );
    // SET reads the row as it was: `an` is the new `rn`.
    this.claimQueued = p(
      `UPDATE drover_amqp_jobs SET status = 'active', attempt = attempt + 1, token = ?, lease_until = ?, started_at = ?,
         worker_id = ?, rn = rn + 1, an = rn + 1, ${SELF_COUNTED}
       WHERE id = ? AND gen = ? AND ticket = ? AND status = 'queued' AND an IS NULL AND queue = ?
       RETURNING ns, task, args, attempt, options, rn`,
    ).raw(true);
    this.takeoverFail = p(
      `UPDATE drover_amqp_jobs SET status = 'failed', error = ?, finished_at = ?, expires_at = ?, token = NULL, lease_until = NULL, rn = ? WHERE id = ?`,
    );
    this.failNow = this.takeoverFail;
    this.ack = p(
      `UPDATE drover_amqp_jobs SET status = 'succeeded', result = ?, error = NULL, finished_at = ?, expires_at = ?, ${DONE},
         ${SELF_COUNTED} ${HELD} RETURNING ${OUTCOME}, ns`,
    );
    this.nackRetry = p(
      `UPDATE drover_amqp_jobs SET status = ?, run_at = ?, error = ?, gen = ?, ticket = ?, ${DONE} ${HELD} RETURNING ${OUTCOME}`,
    );
    this.nackFail = p(
      `UPDATE drover_amqp_jobs SET status = 'failed', error = ?, finished_at = ?, expires_at = ?, ${DONE} ${HELD} RETURNING ${OUTCOME}`,
    );
    this.progress = p(`UPDATE drover_amqp_jobs SET progress = ?, rn = rn + 1 ${HELD} RETURNING ${OUTCOME}`);
    this.trimProgress = p("DELETE FROM drover_amqp_reports WHERE job_id = ? AND n <= ? AND status = 'progress'");
    this.extend = p(`UPDATE drover_amqp_jobs SET lease_until = ? ${HELD}`);
    this.release = p(
      `UPDATE drover_amqp_jobs SET status = 'queued', attempt = attempt - 1, token = NULL, lease_until = NULL, an = NULL ${HELD}`,
    );
    this.storeActive = p(
      `INSERT INTO drover_amqp_reports (job_id, n, status, attempt, at)
       SELECT id, an, 'active', attempt, started_at FROM drover_amqp_jobs ${HELD} AND an IS NOT NULL`,
    );
    this.expired = p(
      `SELECT id, token, queue, priority, gen, attempt > retries AS spent FROM drover_amqp_jobs
       WHERE ns = ? AND status = 'active' AND lease_until <= ? ORDER BY lease_until LIMIT ?`,
    );
    const expiredHeld = `${HELD} AND lease_until <= ?`;
    this.expireRequeue = p(
      `UPDATE drover_amqp_jobs SET status = 'queued', run_at = ?, error = ?, gen = ?, ticket = ?, ${DONE} ${expiredHeld} RETURNING ${OUTCOME}`,
    );
    this.expireFail = p(
      `UPDATE drover_amqp_jobs SET status = 'failed', error = ?, finished_at = ?, expires_at = ?, ${DONE} ${expiredHeld} RETURNING ${OUTCOME}`,
    );
    this.prune = p(
      `DELETE FROM drover_amqp_jobs WHERE seq IN
         (SELECT seq FROM drover_amqp_jobs WHERE ns = ? AND expires_at <= ? ORDER BY expires_at LIMIT ?)`,
    );
    this.getJob = p('SELECT * FROM drover_amqp_jobs WHERE id = ?');
    this.cancel = p(
      `UPDATE drover_amqp_jobs SET status = 'cancelled', finished_at = ?, expires_at = ?, ${DONE}
       WHERE id = ? AND status IN ${LIVE} RETURNING ${OUTCOME}`,
    );
    this.rerun = p(
      `UPDATE drover_amqp_jobs SET status = 'queued', attempt = 0, run_at = ?, key = ?, gen = ?, ticket = ?, started_at = NULL,
         finished_at = NULL, expires_at = NULL, worker_id = NULL, progress = NULL, result = NULL, error = NULL, an = NULL, ${DONE}
       WHERE id = ? AND gen = ? AND status IN ('failed', 'cancelled') RETURNING *`,
    );
    this.deleteReports = p('DELETE FROM drover_amqp_reports WHERE job_id = ?');
    // The rows, plus the reports the job row tells (schema.ts): a `succeeded` row exists only on
    // version 1 files and flows' steps.
    this.reportsAfter = p(
      `SELECT r.n, r.status, r.attempt, r.at, r.value, r.error, CASE WHEN r.status = 'succeeded' THEN j.result END AS result
         FROM drover_amqp_reports r JOIN drover_amqp_jobs j ON j.id = r.job_id WHERE r.job_id = @id AND r.n > @after
       UNION ALL
       SELECT an, 'active', attempt, started_at, NULL, NULL, NULL FROM drover_amqp_jobs WHERE id = @id AND an > @after
       UNION ALL
       SELECT rn, 'succeeded', attempt, finished_at, NULL, NULL, result FROM drover_amqp_jobs j
         WHERE id = @id AND status = 'succeeded' AND rn > @after
           AND NOT EXISTS (SELECT 1 FROM drover_amqp_reports r WHERE r.job_id = @id AND r.n = j.rn)
       ORDER BY 1`,
    );
    this.reportNumbers = p('SELECT id, rn FROM drover_amqp_jobs WHERE id IN (SELECT value FROM json_each(?))');
    this.leaseStates = p('SELECT id, status, token FROM drover_amqp_jobs WHERE id IN (SELECT value FROM json_each(?))');
    this.readyCount = p(
      `SELECT coalesce(sum(n), 0) FROM drover_amqp_counts
       WHERE ns = ? AND status = 'queued' AND queue IN (SELECT value FROM json_each(?))`,
    ).pluck();
    this.counts = p('SELECT queue, status, n FROM drover_amqp_counts WHERE ns = ? ORDER BY queue');
  }

  /** (ns, cursor seq, [queue], limit) → rows of one status, newest first. */
  list(status: JobStatus, byQueue: boolean): Statement {
    const name = `${status}|${byQueue}`;
    let statement = this.#lists.get(name);
    if (!statement) {
      const queue = byQueue ? 'AND queue = ?' : '';
      statement = this.#db.prepare(
        `SELECT * FROM drover_amqp_jobs WHERE ns = ? AND status = '${status}' AND seq < ? ${queue} ORDER BY seq DESC LIMIT ?`,
      );
      this.#lists.set(name, statement);
    }
    return statement;
  }
}
