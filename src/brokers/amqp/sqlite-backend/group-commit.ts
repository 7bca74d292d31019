import type BetterSqlite3 from 'better-sqlite3';
import { BrokerError } from '../../../core/errors.js';
import type { WalSync } from '../../sqlite/wal-sync.js';

/** A write: runs inside the shared transaction at time `now`. */
export type WriteOp<T> = (now: number) => T;

interface Entry {
  op: WriteOp<unknown>;
  /** Resolve only once on disk (see WalSync); claims need not wait. */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most writes in one transaction. */
const MAX_BATCH = 2000;

/**
 * Group commit: every write made in one turn of the event loop runs in one
 * `BEGIN IMMEDIATE` transaction, so 50 acks cost one fsync, not 50.
 * A write that throws is retried alone, so it never fails its neighbours.
 * With a {@link WalSync} (synchronous=FULL on a file) a durable write
 * resolves once its commit is fsynced, off the event loop, and the next
 * batch gathers meanwhile.
 *
 * States: idle ──run()──▶ scheduled ──flush──▶ idle; ──close()──▶ closed.
 */
export class GroupCommit {
  readonly #db: BetterSqlite3.Database;
  readonly #label: string;
  #pending: Entry[] = [];
  #scheduled = false;
  #closed = false;
  readonly #sync: WalSync | undefined;
  readonly #flushTask = (): void => this.#flush();

  constructor(db: BetterSqlite3.Database, label: string, sync?: WalSync) {
    this.#db = db;
    this.#label = label;
    this.#sync = sync;
  }

  /**
   * Queues a write for the next commit.
   * @param durable false for writes whose loss on a power cut is harmless (claims): they resolve at commit
   */
  run<T>(op: WriteOp<T>, durable = true): Promise<T> {
    if (this.#closed) return Promise.reject(new BrokerError(`${this.#label} is closed`));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ op, durable, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flushTask);
      }
    });
  }

  /** Commits what is pending, then refuses new writes. */
  close(): void {
    while (this.#pending.length > 0 && this.#db.open) this.#commit(this.#pending.splice(0, MAX_BATCH));
    this.#closed = true;
    this.#sync?.close();
  }

  #flush(): void {
    this.#scheduled = false;
    if (!this.#db.open) return;
    if (this.#sync?.syncing) {
      this.#scheduled = true;
      return this.#sync.whenIdle(this.#flushTask);
    }
    this.#commit(this.#pending.splice(0, MAX_BATCH));
    if (this.#pending.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushTask);
    }
  }

  #commit(entries: Entry[]): void {
    const values: unknown[] = [];
    const sync = this.#sync;
    if (sync?.failed) {
      for (const entry of entries) entry.reject(sync.failed);
      return;
    }
    try {
      this.#db
        .transaction(() => {
          const now = Date.now();
          for (const entry of entries) values.push(entry.op(now));
        })
        .immediate();
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
    if (!sync) {
      for (let i = 0; i < entries.length; i++) entries[i]!.resolve(values[i]);
      return;
    }
    const durable: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]!.durable) durable.push(i);
      else entries[i]!.resolve(values[i]);
    }
    if (durable.length === 0) return;
    sync.wait(sync.committed()).then(
      () => {
        for (const i of durable) entries[i]!.resolve(values[i]);
      },
      (error: unknown) => {
        for (const i of durable) entries[i]!.reject(error);
      },
    );
  }
}
