/**
 * Flow control in the AMQP broker's SQLite result backend
 * (docs/flow-control.md): the queue settings, a handler's "limited until",
 * the rate windows, and the gate a ticket passes when it claims its job.
 * The gate runs inside the claim's `BEGIN IMMEDIATE` transaction, so every
 * process on the file sees one state: a job whose queue is paused or
 * limited, whose rate window is full or whose group is at its
 * `groupConcurrency` is not claimed (it stays queued) and the ticket is
 * told how long to wait (`undefined`: no time is known, ask again soon).
 *
 * Tables (created here, all keyed by `ns`, the broker's prefix):
 *
 * drover_amqp_queue_settings  one JSON row of settings per queue.
 * drover_amqp_queue_state     a queue's limited-until (RateLimited).
 * drover_amqp_rate_window     lease times of rate-limited queues inside their window.
 *
 * Active jobs per group are counted from an index on the jobs' `grp` column
 * (their `group` option) of active jobs, so whatever ends a lease gives the
 * slot back. A column, not `json_extract` of the options: the index
 * expression ran on every status change of every job (about 8 % of a
 * worker's CPU in bench/amqp.ts).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { QueueLimits, QueueSettings, QueueSettingsPatch } from '../../contract.js';
import { mergeQueueSettings, validateQueueSettings, withSettingsDefaults } from '../../../core/options-table.js';

/** The flow-control tables and the group index (run at open, idempotent). */
export const FLOW_SCHEMA = /* sql */ `
CREATE TABLE IF NOT EXISTS drover_amqp_queue_settings (
  ns        TEXT NOT NULL,
  queue     TEXT NOT NULL,
  settings  TEXT NOT NULL,
  PRIMARY KEY (ns, queue)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drover_amqp_queue_state (
  ns             TEXT    NOT NULL,
  queue          TEXT    NOT NULL,
  limited_until  INTEGER NOT NULL,
  PRIMARY KEY (ns, queue)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drover_amqp_rate_window (
  ns     TEXT    NOT NULL,
  queue  TEXT    NOT NULL,
  at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS drover_amqp_rate_window_at ON drover_amqp_rate_window (ns, queue, at);
CREATE INDEX IF NOT EXISTS drover_amqp_jobs_group ON drover_amqp_jobs (ns, queue, grp)
  WHERE status = 'active' AND grp IS NOT NULL;
`;

/** A queue's settings and limited-until as a claim reads them. */
export interface Gate {
  settings: QueueSettings;
  until: number | null;
}

/** What the gate says about one ticket: go, or held (with the wait it knows, if any). */
export type GateAnswer = { go: true } | { go: false; retryInMs: number | undefined };

/** The gates one claim batch read, by queue (null: the queue has no settings or state). */
export type GateCache = Map<string, Gate | null>;

const GO: GateAnswer = Object.freeze({ go: true });

/** The flow-control statements of one backend connection and namespace. */
export class SqliteFlowControl {
  readonly #ns: string;
  readonly #gate: Statement;
  readonly #settings: Statement;
  readonly #putSettings: Statement;
  readonly #dropSettings: Statement;
  readonly #limit: Statement;
  readonly #slide: Statement;
  readonly #window: Statement;
  readonly #windowCount: Statement;
  readonly #took: Statement;
  readonly #groupActive: Statement;
  readonly #waiting: Statement;
  readonly #heldInGroups: Statement;
  readonly #purge: Statement;
  readonly #due: Statement;

  constructor(db: BetterSqlite3.Database, ns: string) {
    this.#ns = ns;
    const p = (sql: string): Statement => db.prepare(sql);
    this.#gate = p(
      `SELECT (SELECT settings FROM drover_amqp_queue_settings WHERE ns = @ns AND queue = @queue) AS settings,
              (SELECT limited_until FROM drover_amqp_queue_state WHERE ns = @ns AND queue = @queue) AS until`,
    );
    this.#settings = p('SELECT settings FROM drover_amqp_queue_settings WHERE ns = ? AND queue = ?').pluck();
    this.#putSettings = p(
      `INSERT INTO drover_amqp_queue_settings (ns, queue, settings) VALUES (?, ?, ?)
         ON CONFLICT (ns, queue) DO UPDATE SET settings = excluded.settings`,
    );
    this.#dropSettings = p('DELETE FROM drover_amqp_queue_settings WHERE ns = ? AND queue = ?');
    this.#limit = p(
      `INSERT INTO drover_amqp_queue_state (ns, queue, limited_until) VALUES (?, ?, ?)
         ON CONFLICT (ns, queue) DO UPDATE SET limited_until = max(limited_until, excluded.limited_until)`,
    );
    this.#slide = p('DELETE FROM drover_amqp_rate_window WHERE ns = ? AND queue = ? AND at <= ?');
    this.#window = p('SELECT count(*) AS n, min(at) AS oldest FROM drover_amqp_rate_window WHERE ns = ? AND queue = ?');
    this.#windowCount = p('SELECT count(*) FROM drover_amqp_rate_window WHERE ns = ? AND queue = ? AND at > ?').pluck();
    this.#took = p('INSERT INTO drover_amqp_rate_window (ns, queue, at) VALUES (?, ?, ?)');
    this.#groupActive = p(
      "SELECT count(*) FROM drover_amqp_jobs WHERE ns = ? AND queue = ? AND grp = ? AND status = 'active' AND grp IS NOT NULL",
    ).pluck();
    this.#waiting = p(
      "SELECT coalesce(sum(n), 0) FROM drover_amqp_counts WHERE ns = ? AND queue = ? AND status = 'queued'",
    ).pluck();
    this.#heldInGroups = p(
      `SELECT count(*) FROM drover_amqp_jobs
       WHERE ns = @ns AND status = 'queued' AND queue = @queue AND grp IN (
         SELECT grp FROM drover_amqp_jobs
         WHERE ns = @ns AND queue = @queue AND grp IS NOT NULL AND status = 'active'
         GROUP BY grp HAVING count(*) >= @limit)`,
    ).pluck();
    this.#purge = p(
      `DELETE FROM drover_amqp_jobs WHERE ns = ? AND queue = ? AND status IN ('succeeded', 'failed', 'cancelled')
         AND finished_at <= ?`,
    );
    this.#due = p("UPDATE drover_amqp_jobs SET status = 'queued' WHERE id = ? AND status = 'delayed'");
  }

  /** The queue's settings over the defaults. */
  settings(queue: string): QueueSettings {
    return withSettingsDefaults(this.#stored(queue));
  }

  /** Merges a patch into the queue's stored settings (inside a write) and returns the result. */
  setSettings(queue: string, patch: QueueSettingsPatch): QueueSettings {
    validateQueueSettings(patch, 'settings');
    const merged = mergeQueueSettings(this.#stored(queue), patch);
    if (Object.keys(merged).length === 0) this.#dropSettings.run(this.#ns, queue);
    else this.#putSettings.run(this.#ns, queue, JSON.stringify(merged));
    return withSettingsDefaults(merged);
  }

  /** Claims nothing of `queue` before `now + ms` (a later limit already set wins). */
  limit(queue: string, ms: number, now: number): void {
    this.#limit.run(this.#ns, queue, now + Math.max(0, Math.ceil(ms)));
  }

  /**
   * The gate one ticket passes before its job (of `queue`, of group `group`)
   * is claimed, at `now`, inside the claim's write. `gates` caches the
   * queues' settings for one claim batch. A job let through is recorded in
   * its rate window; a held delayed job becomes queued (it is due).
   */
  admit(gates: GateCache, id: string, queue: string, group: string | null, now: number): GateAnswer {
    let gate = gates.get(queue);
    if (gate === undefined) gates.set(queue, (gate = this.#read(queue)));
    if (gate === null) return GO;
    const answer = this.#check(gate, queue, group, now);
    if (!answer.go) this.#due.run(id);
    else if (gate.settings.rateLimit) this.#took.run(this.#ns, queue, now);
    return answer;
  }

  #check(gate: Gate, queue: string, group: string | null, now: number): GateAnswer {
    if (gate.settings.paused === true) return { go: false, retryInMs: undefined };
    if (gate.until !== null && gate.until > now) return { go: false, retryInMs: gate.until - now };
    const rate = gate.settings.rateLimit;
    if (rate) {
      this.#slide.run(this.#ns, queue, now - rate.per);
      const window = this.#window.get(this.#ns, queue) as { n: number; oldest: number | null };
      if (window.n >= rate.max) return { go: false, retryInMs: Math.max(1, (window.oldest ?? now) + rate.per - now) };
    }
    const limit = gate.settings.groupConcurrency;
    if (limit !== undefined && group !== null && (this.#groupActive.get(this.#ns, queue, group) as number) >= limit)
      return { go: false, retryInMs: undefined };
    return GO;
  }

  /** True when nothing gates `queue` (no settings, no limit): every job of it goes. Cached in `gates` as `admit`. */
  ungated(gates: GateCache, queue: string): boolean {
    let gate = gates.get(queue);
    if (gate === undefined) gates.set(queue, (gate = this.#read(queue)));
    return gate === null;
  }

  /** The queue's flow state at `now` (a snapshot read). */
  limits(queue: string, now: number): QueueLimits {
    const gate = this.#read(queue);
    if (!gate) return { paused: false, limited: 0 };
    const paused = gate.settings.paused === true;
    const until = gate.until !== null && gate.until > now ? gate.until : undefined;
    let held = paused || until !== undefined;
    const rate = gate.settings.rateLimit;
    if (!held && rate) held = (this.#windowCount.get(this.#ns, queue, now - rate.per) as number) >= rate.max;
    let limited = 0;
    if (held) limited = this.#waiting.get(this.#ns, queue) as number;
    else if (gate.settings.groupConcurrency !== undefined)
      limited = this.#heldInGroups.get({ ns: this.#ns, queue, limit: gate.settings.groupConcurrency }) as number;
    return { paused, limitedUntil: until, limited };
  }

  /** Deletes the queue's jobs that finished at or before `before` (their reports go with them); returns how many. */
  purge(queue: string, before: number): number {
    return this.#purge.run(this.#ns, queue, before).changes;
  }

  #read(queue: string): Gate | null {
    const row = this.#gate.get({ ns: this.#ns, queue }) as { settings: string | null; until: number | null };
    if (row.settings === null && row.until === null) return null;
    return { settings: row.settings === null ? {} : (JSON.parse(row.settings) as QueueSettings), until: row.until };
  }

  #stored(queue: string): QueueSettings {
    const json = this.#settings.get(this.#ns, queue) as string | undefined;
    return json === undefined ? {} : (JSON.parse(json) as QueueSettings);
  }
}
