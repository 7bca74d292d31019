import { BrokerError, ClosedError, DroverError } from '../../core/errors.js';
import type { Database } from './database.js';
import type { Statements } from './statements.js';
import { doublingDelay } from '../../core/backoff.js';

/** What a write gets while its transaction is open. */
export interface Tx {
  /** The database clock (epoch ms) when the transaction began. */
  readonly now: number;
  /** Runs `effect` once the transaction has committed (listeners, wake-ups). */
  after(effect: () => void): void;
}

/** A write: runs inside a transaction; throws a DroverError (before writing anything) to refuse. */
export type WriteOp<T> = (tx: Tx) => T;

interface Entry {
  op: WriteOp<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown; effects: readonly (() => void)[] } | { ok: false; error: unknown };

const NO_EFFECTS: readonly (() => void)[] = [];

/** Most writes in one transaction; the rest go in the next. */
const MAX_BATCH = 2000;
/** Longest pause between two tries for a lock another process holds (ms). */
const MAX_BUSY_PAUSE = 50;
/** At most one contention warning per this many ms. */
const WARN_EVERY = 10_000;

/** How the queue commits and waits for locks (see SqliteBrokerOptions). */
export interface WriteQueueOptions {
  /** ms writes gather before a commit; 0 = one turn of the event loop. */
  commitWindow: number;
  /** Total ms a batch may wait for another process's lock before failing. */
  busyTimeout: number;
}

/** Lock contention seen so far: how often writes found the database locked by another process, and for how long. */
export interface Contention {
  /** Tries that found the write lock taken (each blocked at most `busyBlock` ms). */
  busy: number;
  /** Batches that gave up after `busyTimeout`. */
  timeouts: number;
  /** ms spent between the first refused try of a batch and its commit (or failure). */
  waitedMs: number;
}

/**
 * Group commit. Every write made in one turn of the event loop (or within
 * `commitWindow` ms) runs in one `BEGIN IMMEDIATE` transaction, so 50
 * enqueues, leases and acks cost one fsync rather than 50, and a lease from
 * one process never interleaves with another's. Each write's promise
 * resolves only once its transaction has committed (durably, with
 * synchronous=FULL).
 *
 * When another process holds the write lock, a try blocks at most the
 * driver's short busy timeout (`busyBlock`); the batch then goes back to the
 * front of the queue and is tried again after a pause with the event loop
 * free, until `busyTimeout` has passed in all. Contention is counted
 * (`contention`) and warned about (at most every 10 s).
 *
 * States: idle ──run()──▶ scheduled (setImmediate / window timer) ──flush──▶ idle;
 * scheduled ──flush found the lock taken──▶ waiting (timer) ──▶ scheduled;
 * ──close()──▶ closed (pending writes are flushed first, later ones refused).
 */
export class WriteQueue {
  readonly #db: Database;
  readonly #statements: Statements;
  readonly #label: string;
  readonly #transaction: (entries: Entry[], outcomes: Outcome[]) => void;
  readonly #options: WriteQueueOptions;
  readonly #flushTask = (): void => this.#flush();
  #pending: Entry[] = [];
  #scheduled = false;
  #closed = false;
  /** When the batch at the front first found the lock taken, or undefined. */
  #busySince: number | undefined;
  #busyTries = 0;
  #warnedAt = -Infinity;
  /** Lock contention so far. */
  readonly contention: Contention = { busy: 0, timeouts: 0, waitedMs: 0 };

  /** @param label names the database in errors, e.g. `sqlite:./drover.db` */
  constructor(db: Database, statements: Statements, label: string, options: WriteQueueOptions) {
    this.#db = db;
    this.#label = label;
    this.#statements = statements;
    this.#options = options;
    const transaction = db.transaction((entries: Entry[], outcomes: Outcome[]) => this.#runAll(entries, outcomes));
    this.#transaction = (entries, outcomes) => transaction.immediate(entries, outcomes);
  }

  /** Queues a write for the next group commit. */
  run<T>(op: WriteOp<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError('sqlite broker'));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) this.#schedule();
    });
  }

  /** Commits everything pending now (waiting for a lock up to `busyTimeout`, blocking), then refuses new writes. */
  close(): void {
    this.#closed = true;
    if (this.#pending.length > 0 && this.#db.open) this.#db.pragma(`busy_timeout = ${this.#options.busyTimeout}`);
    while (this.#pending.length > 0) this.#flushBatch();
  }

  #schedule(): void {
    this.#scheduled = true;
    if (this.#options.commitWindow > 0) setTimeout(this.#flushTask, this.#options.commitWindow);
    else setImmediate(this.#flushTask);
  }

  #flush(): void {
    this.#scheduled = false;
    if (!this.#db.open) {
      for (const entry of this.#pending.splice(0)) entry.reject(new ClosedError('sqlite broker'));
      return;
    }
    this.#flushBatch();
    if (this.#pending.length > 0 && !this.#scheduled) this.#schedule();
  }

  #flushBatch(): void {
    const entries = this.#pending.length <= MAX_BATCH ? this.#pending : this.#pending.slice(0, MAX_BATCH);
    this.#pending = this.#pending.length <= MAX_BATCH ? [] : this.#pending.slice(MAX_BATCH);
    this.#commit(entries);
  }

  /** The lock is taken by another process: put the batch back and try again later, or give up past busyTimeout. */
  #busy(entries: Entry[], error: unknown): boolean {
    const now = performance.now();
    this.contention.busy++;
    this.#busySince ??= now;
    const waited = now - this.#busySince;
    if (this.#closed || waited >= this.#options.busyTimeout) {
      this.contention.timeouts++;
      this.#settleBusy(now);
      return false;
    }
    this.#warn(error);
    this.#pending = entries.concat(this.#pending);
    this.#scheduled = true;
    const pause = Math.min(
      doublingDelay(1, MAX_BUSY_PAUSE, ++this.#busyTries, 'none'),
      this.#options.busyTimeout - waited,
    );
    setTimeout(this.#flushTask, pause);
    return true;
  }

  #settleBusy(now: number): void {
    if (this.#busySince === undefined) return;
    this.contention.waitedMs += now - this.#busySince;
    this.#busySince = undefined;
    this.#busyTries = 0;
  }

  #warn(error: unknown): void {
    const at = performance.now();
    if (at - this.#warnedAt < WARN_EVERY) return;
    this.#warnedAt = at;
    const { busy, timeouts } = this.contention;
    process.emitWarning(
      `drover sqlite broker: ${this.#label} is locked by another process (${message(error)}); writes wait with the event loop free (${busy} refused tries, ${timeouts} timeouts so far)`,
    );
  }

  #commit(entries: Entry[]): void {
    const outcomes: Outcome[] = [];
    try {
      this.#transaction(entries, outcomes);
      if (this.#busySince !== undefined) this.#settleBusy(performance.now());
    } catch (error) {
      if (isBusy(error) && this.#busy(entries, error)) return;
      // One bad write (a duplicate id, a value the codec cannot read back) must not fail its
      // neighbours: retry each on its own. A busy or broken database would fail them all
      // again, each after a full busy timeout, so they fail together at once.
      if (entries.length > 1 && isWriteSpecific(error)) {
        for (const entry of entries) this.#commit([entry]);
        return;
      }
      const failure =
        error instanceof DroverError
          ? error
          : new BrokerError(`Writing to the SQLite database ${this.#label} failed: ${message(error)}`, {
              cause: error,
            });
      for (const entry of entries) entry.reject(failure);
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        for (const effect of outcome.effects) runEffect(effect);
        entries[i]!.resolve(outcome.value);
      } else {
        entries[i]!.reject(outcome.error);
      }
    }
  }

  #runAll(entries: Entry[], outcomes: Outcome[]): void {
    outcomes.length = 0;
    // One Tx for the whole batch; effects are collected per write, allocated only when a write has some.
    let effects: (() => void)[] | undefined;
    const tx: Tx = { now: this.#statements.now.get()!, after: (effect) => (effects ??= []).push(effect) };
    for (const entry of entries) {
      effects = undefined;
      try {
        const value = entry.op(tx);
        outcomes.push({ ok: true, value, effects: effects ?? NO_EFFECTS });
      } catch (error) {
        // A refusal (stale lease…) wrote nothing; anything else aborts the transaction.
        if (!(error instanceof DroverError)) throw error;
        outcomes.push({ ok: false, error });
      }
    }
  }
}

/** True when another connection holds the lock (SQLITE_BUSY and its extended codes). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True for errors caused by one write rather than by the database as a whole. */
function isWriteSpecific(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code !== 'string' ||
    !code.startsWith('SQLITE_') ||
    code.startsWith('SQLITE_CONSTRAINT') ||
    code === 'SQLITE_MISMATCH' ||
    code === 'SQLITE_TOOBIG'
  );
}

function runEffect(effect: () => void): void {
  try {
    effect();
  } catch (error) {
    // A throwing listener must never break the broker; surface it without crashing.
    process.emitWarning(
      `drover sqlite broker: a listener threw: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
