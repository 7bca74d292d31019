import type BetterSqlite3 from 'better-sqlite3';
import { BrokerError } from '../../../core/errors.js';

/** A write: runs inside the shared transaction at time `now`. */
export type WriteOp<T> = (now: number) => T;

interface Entry {
  op: WriteOp<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Called inside every write transaction: first thing, and last before it commits. */
export interface TransactionHooks {
  begin(): void;
  end(): void;
}

/** Most writes in one transaction. */
const MAX_BATCH = 2000;

/**
 * Group commit: every write made in one turn of the event loop runs in one
 * `BEGIN IMMEDIATE` transaction, so 50 acks cost one fsync, not 50.
 * A write that throws is retried alone, so it never fails its neighbours.
 *
 * States: idle ──run()──▶ scheduled ──flush──▶ idle; ──close()──▶ closed.
 */
export class GroupCommit {
  readonly #db: BetterSqlite3.Database;
  readonly #label: string;
  readonly #hooks: TransactionHooks | undefined;
  readonly #transaction: BetterSqlite3.Transaction<(entries: Entry[], values: unknown[]) => void>;
  #pending: Entry[] = [];
  #scheduled = false;
  #closed = false;

  constructor(db: BetterSqlite3.Database, label: string, hooks?: TransactionHooks) {
    this.#db = db;
    this.#label = label;
    this.#hooks = hooks;
    // Made once: better-sqlite3 wraps the function anew on every `transaction()`.
    this.#transaction = db.transaction((entries: Entry[], values: unknown[]) => {
      this.#hooks?.begin();
      const now = Date.now();
      for (const entry of entries) values.push(entry.op(now));
      this.#hooks?.end();
    });
  }

  /** Queues a write for the next commit. */
  run<T>(op: WriteOp<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new BrokerError(`${this.#label} is closed`));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Commits what is pending, then refuses new writes. */
  close(): void {
    while (this.#pending.length > 0 && this.#db.open) this.#commit(this.#pending.splice(0, MAX_BATCH));
    this.#closed = true;
  }

  #flush(): void {
    this.#scheduled = false;
    if (!this.#db.open) return;
    this.#commit(this.#pending.splice(0, MAX_BATCH));
    if (this.#pending.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #commit(entries: Entry[]): void {
    const values: unknown[] = [];
    try {
      this.#transaction.immediate(entries, values);
    } catch (error) {
      if (entries.length > 1) {
        for (const entry of entries) this.#commit([entry]);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const failure = new BrokerError(`Writing to ${this.#label} failed: ${message}`, { cause: error });
      for (const entry of entries) entry.reject(failure);
      return;
    }
    for (let i = 0; i < entries.length; i++) entries[i]!.resolve(values[i]);
  }
}
