/**
 * Flow control on SQLite (docs/flow-control.md), inside the claim's
 * `BEGIN IMMEDIATE` transaction, so every process on the file sees one
 * state: a queue's `paused` setting and its `limited_until` stop its
 * leases; `rateLimit` counts the queue's rows in `drover_rate_window`
 * inside the last `per` ms; `groupConcurrency` counts active jobs per
 * group from the `drover_jobs_group_active` index and skips the jobs of a
 * full group as the claim walks the ready index (no head-of-line blocking:
 * the jobs behind them are taken).
 *
 * The statements are prepared on first use per connection, so a database
 * without limits never prepares them.
 */
import type { Statement } from 'better-sqlite3';
import type { LeaseRequest, QueueLimits, QueueSettings } from '../../core/contract/index.js';
import { WakeTimer } from '../../core/wake-timer.js';
import type { Database } from './database.js';
import type { Engine } from './engine.js';
import type { Tx } from './write-queue.js';

/** A queue's flow settings and state as a claim reads them. */
interface Gate {
  settings: QueueSettings;
  limitedUntil: number | null;
}

/** One candidate of a gated claim. */
export interface GatedCandidate {
  seq: number;
  priority: number;
  run_at: number;
  queue: string;
}

class FlowStatements {
  /** ({ queue }) → { settings, until } */
  readonly gate: Statement;
  /** (queue) → ready rows in claim order, with their group */
  readonly ready: Statement;
  /** (queue) → { grp, n } active per group */
  readonly activeGroups: Statement;
  /** (queue, before) */
  readonly slide: Statement;
  /** (queue) → { n, oldest } */
  readonly window: Statement;
  /** (queue, after) → leases in the window */
  readonly windowCount: Statement;
  /** (queue, at) */
  readonly took: Statement;
  /** (queue, until) */
  readonly limit: Statement;
  /** ({ queue, limit }) → count of queued jobs in groups at or over the limit */
  readonly heldInGroups: Statement;
  /** (queue) → queued count */
  readonly waiting: Statement;
  /** (queue, before) */
  readonly purge: Statement;

  constructor(db: Database) {
    this.gate = db.prepare(
      `SELECT (SELECT settings FROM drover_queue_settings WHERE queue = @queue) AS settings,
              (SELECT limited_until FROM drover_queue_state WHERE queue = @queue) AS until`,
    );
    this.ready = db.prepare(
      "SELECT seq, priority, run_at, grp FROM drover_jobs WHERE queue = ? AND status = 'queued' ORDER BY priority DESC, run_at, seq",
    );
    this.activeGroups = db.prepare(
      "SELECT grp, count(*) AS n FROM drover_jobs WHERE queue = ? AND status = 'active' AND grp IS NOT NULL GROUP BY grp",
    );
    this.slide = db.prepare('DELETE FROM drover_rate_window WHERE queue = ? AND at <= ?');
    this.window = db.prepare('SELECT count(*) AS n, min(at) AS oldest FROM drover_rate_window WHERE queue = ?');
    this.windowCount = db.prepare('SELECT count(*) FROM drover_rate_window WHERE queue = ? AND at > ?').pluck();
    this.took = db.prepare('INSERT INTO drover_rate_window (queue, at) VALUES (?, ?)');
    this.limit = db.prepare(
      `INSERT INTO drover_queue_state (queue, limited_until) VALUES (?, ?)
         ON CONFLICT (queue) DO UPDATE SET limited_until = max(limited_until, excluded.limited_until)`,
    );
    this.heldInGroups = db
      .prepare(
        `SELECT count(*) FROM drover_jobs WHERE queue = @queue AND status = 'queued' AND grp IN (
         SELECT grp FROM drover_jobs WHERE queue = @queue AND status = 'active' AND grp IS NOT NULL GROUP BY grp HAVING count(*) >= @limit)`,
      )
      .pluck();
    this.waiting = db.prepare("SELECT count(*) FROM drover_jobs WHERE queue = ? AND status = 'queued'").pluck();
    this.purge = db.prepare(
      "DELETE FROM drover_jobs WHERE queue = ? AND status IN ('succeeded', 'failed', 'cancelled') AND finished_at <= ?",
    );
  }
}

const prepared = new WeakMap<Database, FlowStatements>();
const wakers = new WeakMap<Engine, WakeTimer>();

/** Wakes this process's workers when a held queue may lease again (`at` on the database clock, `now` too). */
export function wakeAt(engine: Engine, at: number, now: number): void {
  let timer = wakers.get(engine);
  if (!timer) wakers.set(engine, (timer = new WakeTimer(() => engine.signals.ready())));
  timer.at(Date.now() + (at - now));
}

function statements(engine: Engine): FlowStatements {
  let s = prepared.get(engine.db);
  if (!s) prepared.set(engine.db, (s = new FlowStatements(engine.db)));
  return s;
}

function readGate(s: FlowStatements, queue: string): Gate | undefined {
  const row = s.gate.get({ queue }) as { settings: string | null; until: number | null };
  if (row.settings === null && row.until === null) return undefined;
  return {
    settings: row.settings === null ? {} : (JSON.parse(row.settings) as QueueSettings),
    limitedUntil: row.until,
  };
}

/** How many jobs of the queue may be leased now, and when that may change (database clock). */
function budget(s: FlowStatements, queue: string, gate: Gate, now: number): { n: number; wakeAt?: number } {
  if (gate.settings.paused === true) return { n: 0 };
  if (gate.limitedUntil !== null && gate.limitedUntil > now) return { n: 0, wakeAt: gate.limitedUntil };
  const rate = gate.settings.rateLimit;
  if (!rate) return { n: Infinity };
  s.slide.run(queue, now - rate.per);
  const window = s.window.get(queue) as { n: number; oldest: number | null };
  const n = Math.max(0, rate.max - window.n);
  return n > 0 || window.oldest === null ? { n } : { n, wakeAt: window.oldest + rate.per };
}

/** Ready jobs of one gated queue, in claim order: at most `max`, full groups skipped. */
function pickGated(s: FlowStatements, queue: string, gate: Gate, max: number): GatedCandidate[] {
  const limit = gate.settings.groupConcurrency;
  const active = new Map<string, number>();
  if (limit !== undefined)
    for (const row of s.activeGroups.all(queue) as { grp: string; n: number }[]) active.set(row.grp, row.n);
  const out: GatedCandidate[] = [];
  // Iterates lazily: stops as soon as `max` are found, however many full-group jobs come first.
  for (const row of s.ready.iterate(queue) as IterableIterator<GatedCandidate & { grp: string | null }>) {
    if (limit !== undefined && row.grp !== null) {
      const n = active.get(row.grp) ?? 0;
      if (n >= limit) continue;
      active.set(row.grp, n + 1);
    }
    out.push({ seq: row.seq, priority: row.priority, run_at: row.run_at, queue });
    if (out.length >= max) break;
  }
  return out;
}

/** What a claim needs to know about the queues' limits. */
export interface FlowPlan {
  /** Queues without settings or state: claimed as before. */
  free: string[];
  /** Candidates of the gated queues, each queue within its budget. */
  gated: GatedCandidate[];
  /** The earliest time a held queue may lease again (database clock), if time-bound. */
  wakeAt?: number;
}

/**
 * Splits the request's queues into free ones and gated ones, and picks the
 * gated queues' candidates. Undefined when no queue is gated (the fast path).
 */
export function planClaim(engine: Engine, tx: Tx, request: LeaseRequest): FlowPlan | undefined {
  const s = statements(engine);
  const free: string[] = [];
  const gated: GatedCandidate[] = [];
  let wakeAt = Infinity;
  let any = false;
  for (const queue of new Set(request.queues)) {
    const gate = readGate(s, queue);
    if (!gate) {
      free.push(queue);
      continue;
    }
    any = true;
    const b = budget(s, queue, gate, tx.now);
    if (b.wakeAt !== undefined) wakeAt = Math.min(wakeAt, b.wakeAt);
    if (b.n > 0) gated.push(...pickGated(s, queue, gate, Math.min(b.n, request.max)));
  }
  if (!any) return undefined;
  return wakeAt < Infinity ? { free, gated, wakeAt } : { free, gated };
}

/** Records the leases of rate-limited queues in their windows. */
export function recordTaken(engine: Engine, tx: Tx, queues: readonly string[]): void {
  const s = statements(engine);
  const limited = new Map<string, boolean>();
  for (const queue of queues) {
    let has = limited.get(queue);
    if (has === undefined) limited.set(queue, (has = readGate(s, queue)?.settings.rateLimit !== undefined));
    if (has) s.took.run(queue, tx.now);
  }
}

/** Stops leasing `queue` for `ms` (a later limit wins). */
export function limitQueue(engine: Engine, tx: Tx, queue: string, ms: number): number {
  statements(engine).limit.run(queue, tx.now + ms);
  return tx.now + ms;
}

/** The queue's flow state (read outside a write: a snapshot). */
export function queueLimits(engine: Engine, queue: string): QueueLimits {
  const s = statements(engine);
  const gate = readGate(s, queue);
  if (!gate) return { paused: false, limited: 0 };
  const now = engine.now();
  const paused = gate.settings.paused === true;
  const until = gate.limitedUntil !== null && gate.limitedUntil > now ? gate.limitedUntil : undefined;
  let held = paused || until !== undefined;
  const rate = gate.settings.rateLimit;
  if (!held && rate) {
    held = (s.windowCount.get(queue, now - rate.per) as number) >= rate.max;
  }
  let limited = 0;
  if (held) limited = s.waiting.get(queue) as number;
  else if (gate.settings.groupConcurrency !== undefined)
    limited = s.heldInGroups.get({ queue, limit: gate.settings.groupConcurrency }) as number;
  return { paused, limitedUntil: until, limited };
}

/** Deletes the queue's finished jobs that finished at or before `before`; returns how many. */
export function purgeQueue(engine: Engine, _tx: Tx, queue: string, before: number): number {
  return statements(engine).purge.run(queue, before).changes;
}
