import { BrokerError, ClosedError, DroverError } from '../../core/errors.js';
import type { Database } from './database.js';
import type { Statements } from './statements.js';

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

/**
 * Group commit. Every write made in one turn of the event loop runs in one
 * `BEGIN IMMEDIATE` transaction, so 50 acks cost one fsync rather than 50,
 * and a lease from one process never interleaves with another's.
 *
 * States: idle ──run()──▶ scheduled (setImmediate) ──flush──▶ idle;
 * ──close()──▶ closed (pending writes are flushed first, later ones refused).
 */
export class WriteQueue {
  readonly #db: Database;
  readonly #statements: Statements;
  readonly #label: string;
  readonly #transaction: (entries: Entry[], outcomes: Outcome[]) => void;
  #pending: Entry[] = [];
  #scheduled = false;
  #closed = false;

  /** @param label names the database in errors, e.g. `sqlite:./drover.db` */
  constructor(db: Database, statements: Statements, label: string) {
    this.#db = db;
    this.#label = label;
    this.#statements = statements;
    const transaction = db.transaction((entries: Entry[], outcomes: Outcome[]) => this.#runAll(entries, outcomes));
    this.#transaction = (entries, outcomes) => transaction.immediate(entries, outcomes);
  }

  /** Queues a write for the next group commit. */
  run<T>(op: WriteOp<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError('sqlite broker'));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Commits everything pending now, then refuses new writes. */
  close(): void {
    while (this.#pending.length > 0) this.#flushBatch();
    this.#closed = true;
  }

  #flush(): void {
    this.#scheduled = false;
    if (!this.#db.open) {
      for (const entry of this.#pending.splice(0)) entry.reject(new ClosedError('sqlite broker'));
      return;
    }
    this.#flushBatch();
    if (this.#pending.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flushBatch(): void {
    const entries = this.#pending.length <= MAX_BATCH ? this.#pending : this.#pending.slice(0, MAX_BATCH);
    this.#pending = this.#pending.length <= MAX_BATCH ? [] : this.#pending.slice(MAX_BATCH);
    this.#commit(entries);
  }

  #commit(entries: Entry[]): void {
    const outcomes: Outcome[] = [];
    try {
      this.#transaction(entries, outcomes);
    } catch (error) {
      // One bad write (a duplicate id, a value the codec cannot read back) must not fail its
      // neighbours: retry each on its own. A busy or broken database would fail them all
      // again, each after a full busy timeout, so they fail together at once.
      if (entries.length > 1 && isWriteSpecific(error)) {
        for (const entry of entries) this.#commit([entry]);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const failure =
        error instanceof DroverError
          ? error
          : new BrokerError(`Writing to the SQLite database ${this.#label} failed: ${message}`, { cause: error });
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
