/**
 * Schedules on SQLite: one row per schedule in `drover_schedules`
 * (migration 0004), decided by the shared rules
 * (`core/contract/schedule-rules.ts`). A fire reads the row, advances
 * `last_at` and inserts its job in one write transaction (`BEGIN
 * IMMEDIATE`), so of every process on the file exactly one fires a tick.
 * Rare writes: statements are prepared on use.
 */
import type {
  FireOutcome,
  FireRequest,
  ScheduleDefinition,
  SchedulePut,
  ScheduleRecord,
} from '../../core/contract/index.js';
import { definitionJson, fireOutcome, putRecord } from '../../core/contract/schedule-rules.js';
import { isTerminalStatus } from '../../core/report.js';
import type { Engine } from './engine.js';
import type { EncodedRequest } from './enqueue.js';
import { enqueueJobs } from './enqueue.js';
import type { Tx } from './write-queue.js';

interface ScheduleRow {
  name: string;
  definition: string;
  rev: number;
  since: number;
  last_at: number | null;
  last_job_id: string | null;
  paused: number;
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

function readRecord(engine: Engine, name: string): ScheduleRecord | undefined {
  const row = engine.db.prepare('SELECT * FROM drover_schedules WHERE name = ?').get(name) as ScheduleRow | undefined;
  return row && toRecord(row);
}

function writeRecord(engine: Engine, r: ScheduleRecord): void {
  engine.db
    .prepare(
      `INSERT INTO drover_schedules (name, definition, rev, since, last_at, last_job_id, paused) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, rev = excluded.rev, since = excluded.since,
         last_at = excluded.last_at, last_job_id = excluded.last_job_id, paused = excluded.paused`,
    )
    .run(r.name, definitionJson(r), r.rev, r.since, r.lastAt ?? null, r.lastJobId ?? null, r.paused ? 1 : 0);
}

/** Stores a definition (inside the write transaction). */
export function putSchedule(engine: Engine, tx: Tx, definition: ScheduleDefinition): SchedulePut {
  const { record, put } = putRecord(readRecord(engine, definition.name), definition, tx.now);
  if (put !== 'unchanged') writeRecord(engine, record);
  return put;
}

/** Removes a schedule; false if unknown. */
export function removeSchedule(engine: Engine, name: string): boolean {
  return engine.db.prepare('DELETE FROM drover_schedules WHERE name = ?').run(name).changes === 1;
}

/** Every schedule, by name. */
export function listSchedules(engine: Engine): ScheduleRecord[] {
  const rows = engine.db.prepare('SELECT * FROM drover_schedules ORDER BY name').all() as ScheduleRow[];
  return rows.map(toRecord);
}

/** Pauses or resumes; a resume starts from now (ticks missed while paused do not fire). False if unknown. */
export function pauseSchedule(engine: Engine, tx: Tx, name: string, paused: boolean): boolean {
  const sql = paused
    ? 'UPDATE drover_schedules SET paused = 1 WHERE name = ?'
    : 'UPDATE drover_schedules SET paused = 0, since = max(since, ?) WHERE name = ? AND paused = 1';
  const run = paused ? engine.db.prepare(sql).run(name) : engine.db.prepare(sql).run(tx.now, name);
  return run.changes === 1 || (!paused && readRecord(engine, name) !== undefined);
}

/** Fires one tick: the compare-and-set on `last_at` and the job's insert, in the caller's transaction. */
export function fireSchedule(engine: Engine, tx: Tx, request: FireRequest, job: EncodedRequest): FireOutcome {
  const record = readRecord(engine, request.name);
  const outcome = fireOutcome(record, request, (id) => {
    const row = engine.db.prepare('SELECT status FROM drover_jobs WHERE id = ?').get(id) as
      { status: string } | undefined;
    return row !== undefined && !isTerminalStatus(row.status);
  });
  if (outcome === 'stale') return outcome;
  const fired = outcome === 'fired';
  engine.db
    .prepare('UPDATE drover_schedules SET last_at = ?, last_job_id = coalesce(?, last_job_id) WHERE name = ?')
    .run(request.tick, fired ? request.job.id : null, request.name);
  if (fired) enqueueJobs(engine, tx, [job]);
  return outcome;
}
