import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import { BrokerError } from '../../core/errors.js';

interface Waiter {
  /** The commit this waiter needs on disk. */
  commit: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Durability without blocking the event loop: pipelined fsync of the WAL.
 *
 * SQLite's `synchronous=FULL` fsyncs the WAL inside every `COMMIT`, and
 * better-sqlite3 runs `COMMIT` on the main thread, so the loop stands still
 * for every fsync and nothing new can join the next commit meanwhile. With
 * a `WalSync` the connection commits with `synchronous=NORMAL` (the WAL is
 * written but not synced) and this class fsyncs the WAL file on a libuv
 * thread; a write's promise resolves once an fsync that started after its
 * commit has finished. The loop keeps working during the fsync, and the
 * writes made meanwhile gather into the next commit (see {@link whenIdle}).
 *
 * What it guarantees is what `FULL` guarantees: a write reported done is on
 * disk. (SQLite in WAL mode with `NORMAL` syncs the WAL before each
 * checkpoint and the database after, so a commit in a synced WAL survives a
 * power loss.) What differs: a commit is visible to readers up to one fsync
 * before it is durable; after a power loss in that window the job runs
 * again, which at-least-once delivery allows.
 *
 * States: idle ──wait()──▶ syncing ──done, waiters left──▶ syncing ──▶ idle;
 * an fsync error ──▶ failed (every later wait rejects: the WAL's state on
 * disk is unknown, as PostgreSQL treats it); close() syncs what is left.
 */
export class WalSync {
  readonly #path: string;
  readonly #label: string;
  #fd: number | undefined;
  /** Commits counted so far; the number of the latest. */
  #committed = 0;
  /** Every commit up to this one is on disk. */
  #durable = 0;
  #syncing = false;
  #failed: BrokerError | undefined;
  #waiters: Waiter[] = [];
  /** Called (once, on a later turn) when the running fsync is done. */
  #onIdle: (() => void) | undefined;
  /** fsyncs made so far (for tests and metrics). */
  syncs = 0;
  #closed = false;

  /** @param walPath the database's `-wal` file. */
  constructor(walPath: string, label: string) {
    this.#path = walPath;
    this.#label = label;
  }

  /** Set once an fsync failed: every later write must be refused. */
  get failed(): BrokerError | undefined {
    return this.#failed;
  }

  /** True while an fsync runs: a commit now would write to the file it is syncing. */
  get syncing(): boolean {
    return this.#syncing;
  }

  /**
   * Runs `task` on a later turn once the running fsync has returned. Writing
   * the WAL while it is being synced stalls both (ext4 waits for the pages
   * under writeback: one commit took 260 ms in a probe), so the group commit
   * holds its next batch until then; the batch grows meanwhile.
   */
  whenIdle(task: () => void): void {
    if (!this.#syncing) return void setImmediate(task);
    this.#onIdle = task;
  }

  /** Counts a commit that has just happened; returns its number for {@link wait}. */
  committed(): number {
    return ++this.#committed;
  }

  /** Resolves once commit number `commit` is on disk. */
  wait(commit: number): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (commit <= this.#durable) return Promise.resolve();
    if (this.#closed) return Promise.reject(new BrokerError(`${this.#label} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ commit, resolve, reject });
      if (!this.#syncing) this.#start();
    });
  }

  /** Syncs what is committed now, blocking, and settles every waiter; then closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#fd === undefined) return this.#settle(this.#committed);
    try {
      if (!this.#failed && this.#durable < this.#committed) fsyncSync(this.#fd);
      this.#settle(this.#committed);
    } catch (error) {
      this.#fail(error);
    }
    // An fsync still running on a libuv thread closes the file when it returns.
    if (!this.#syncing) this.#closeFile();
  }

  #closeFile(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #start(): void {
    if (this.#closed) return;
    let fd: number;
    try {
      fd = this.#fd ??= openSync(this.#path, 'r+');
    } catch (error) {
      return this.#fail(error);
    }
    const target = this.#committed;
    this.#syncing = true;
    fsync(fd, (error) => {
      this.#syncing = false;
      this.syncs++;
      const onIdle = this.#onIdle;
      this.#onIdle = undefined;
      if (onIdle) setImmediate(onIdle);
      if (this.#closed) return this.#closeFile();
      if (error) return this.#fail(error);
      this.#settle(target);
      if (this.#waiters.length > 0 && !this.#failed) this.#start();
    });
  }

  #settle(upTo: number): void {
    this.#durable = Math.max(this.#durable, upTo);
    if (this.#waiters.length === 0) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.commit <= this.#durable) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  #fail(error: unknown): void {
    this.#failed ??= new BrokerError(
      `Could not sync the write-ahead log of ${this.#label} to disk (${error instanceof Error ? error.message : String(error)}); writes since the last sync may not be durable, so this broker refuses further writes: restart it`,
      { cause: error },
    );
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) waiter.reject(this.#failed);
  }
}
