/**
 * A table of schedules in SQLite, decided by the shared rules
 * (`core/contract/schedule-rules.ts`): the SQLite broker's
 * `drover_schedules` (migration 0004) and the AMQP broker's SQLite result
 * backend's `drover_amqp_schedules` (rows scoped by the broker's prefix).
 * Every method runs inside the caller's write transaction (`BEGIN
 * IMMEDIATE`), so a fire — read, advance `last_at`, insert the job — is
 * atomic across every process on the file. Rare writes: statements are
 * prepared on use.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../../core/contract/index.js';
import { definitionJson, fireOutcome, putRecord } from '../../core/contract/schedule-rules.js';

interface ScheduleRow {
  name: string;
  definition: string;
  rev: number;
  since: number;
  last_at: number | null;
  last_job_id: string | null;
  paused: number;
}

/** Where the table is: its name, and the namespace of its rows when it has an `ns` column. */
export interface ScheduleTableOptions {
  table: string;
  ns?: string | undefined;
}

/** One schedules table; see the module comment. */
export class ScheduleTable {
  readonly #db: BetterSqlite3.Database;
  readonly #table: string;
  /** `ns = ? AND ` or nothing, and its parameter. */
  readonly #scope: string;
  readonly #scoped: unknown[];

  constructor(db: BetterSqlite3.Database, options: ScheduleTableOptions) {
    this.#db = db;
    this.#table = options.table;
    this.#scope = options.ns === undefined ? '' : 'ns = ? AND ';
    this.#scoped = options.ns === undefined ? [] : [options.ns];
  }

  /** Stores a definition at `now` (inside the write transaction). */
  put(definition: ScheduleDefinition, now: number): SchedulePut {
    const { record, put } = putRecord(this.#read(definition.name), definition, now);
    if (put === 'unchanged') return put;
    const columns = this.#scoped.length > 0 ? 'ns, ' : '';
    const marks = this.#scoped.length > 0 ? '?, ' : '';
    const conflict = this.#scoped.length > 0 ? 'ns, name' : 'name';
    this.#db
      .prepare(
        `INSERT INTO ${this.#table} (${columns}name, definition, rev, since, last_at, last_job_id, paused)
         VALUES (${marks}?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (${conflict}) DO UPDATE SET definition = excluded.definition, rev = excluded.rev, since = excluded.since`,
      )
      .run(
        ...this.#scoped,
        record.name,
        definitionJson(record),
        record.rev,
        record.since,
        record.lastAt ?? null,
        record.lastJobId ?? null,
        record.paused ? 1 : 0,
      );
    return put;
  }

  /** Removes a schedule; false if unknown. */
  remove(name: string): boolean {
    return (
      this.#db.prepare(`DELETE FROM ${this.#table} WHERE ${this.#scope}name = ?`).run(...this.#scoped, name).changes ===
      1
    );
  }

  /** Every schedule, by name. */
  list(): ScheduleRecord[] {
    const where = this.#scope === '' ? '' : 'WHERE ns = ?';
    const rows = this.#db.prepare(`SELECT * FROM ${this.#table} ${where} ORDER BY name`).all(...this.#scoped);
    return (rows as ScheduleRow[]).map(toRecord);
  }

  /** Pauses or resumes; a resume starts from `now` (ticks missed while paused do not fire). False if unknown. */
  pause(name: string, paused: boolean, now: number): boolean {
    const record = this.#read(name);
    if (!record) return false;
    const since = record.paused && !paused ? Math.max(record.since, now) : record.since;
    this.#db
      .prepare(`UPDATE ${this.#table} SET paused = ?, since = ? WHERE ${this.#scope}name = ?`)
      .run(paused ? 1 : 0, since, ...this.#scoped, name);
    return true;
  }

  /**
   * Fires one tick (inside the write transaction): the rules decide with
   * `stillRuns`; `last_at` advances, and on `fired` `insert` adds the job.
   */
  fire(request: FireRequest, stillRuns: (jobId: string) => boolean, insert: () => void): FireOutcome {
    const outcome = fireOutcome(this.#read(request.name), request, stillRuns);
    if (outcome === 'stale') return outcome;
    const fired = outcome === 'fired';
    this.#db
      .prepare(
        `UPDATE ${this.#table} SET last_at = ?, last_job_id = coalesce(?, last_job_id) WHERE ${this.#scope}name = ?`,
      )
      .run(request.tick, fired ? request.job.id : null, ...this.#scoped, request.name);
    if (fired) insert();
    return outcome;
  }

  #read(name: string): ScheduleRecord | undefined {
    const row = this.#db
      .prepare(`SELECT * FROM ${this.#table} WHERE ${this.#scope}name = ?`)
      .get(...this.#scoped, name) as ScheduleRow | undefined;
    return row && toRecord(row);
  }
}

function toRecord(row: ScheduleRow): ScheduleRecord {
  return {
    ...(JSON.parse(row.definition) as ScheduleDefinition),
    rev: row.rev,
    since: row.since,
    lastAt: row.last_at ?? undefined,
    lastJobId: row.last_job_id ?? undefined,
    paused: row.paused === 1,
  };
}
