import type { JobStatus } from '../../core/report.js';
import type { JobKind, MemoryJob } from './memory-job.js';
import { IndexState, epochMs, finishedBits, finishedPosition, indexStateOf, isLeased, restoreJob } from './memory-job.js';

/** The numbers kept per finished job: one row of a Float64Array. */
const SEQ = 0;
const PRIORITY = 1;
const ATTEMPT = 2;
const CREATED = 3;
const RUN = 4;
const STARTED = 5; // NaN: never started
const FINISHED = 6;
const STATE = 7; // STATUS_CODE of the status, + LEASED; 0: a dead entry (run again or purged)
const NUMBERS = 8;
/** The references kept per finished job: one row of an array. */
const ID = 0;
const KIND = 1;
const ARGS = 2;
const RESULT = 3;
const WORKER = 4;
const OBJECT = 5; // the job itself when it has `more` (an error, a log, a flow…), else undefined
const REFS = 6;

const STATUS_CODE = { succeeded: 1, failed: 2, cancelled: 3 } as const;
const STATUS_OF: readonly JobStatus[] = ['queued', 'succeeded', 'failed', 'cancelled'];
const LEASED = 4;
const MIN_CAPACITY = 64;

/** Which rows a scan picks: by status, kind, sequence number and finish time (epoch ms). */
export type RowMatch = (status: JobStatus, kind: JobKind, seq: number, finishedAt: number) => boolean;

/** What a finished job that leaves for good takes with it (its queue's counts, its watchers). */
export type DropFinished = (id: string, kind: JobKind, status: JobStatus) => void;

/**
 * The finished jobs kept for `result()`, `getJob()` and listings: at most
 * `max`, each for at most the result TTL, oldest dropped first. A columnar
 * ring: each finished job is a row of numbers in one Float64Array (outside
 * the JS heap) and a row of six references in one array, not an object of
 * its own — so retiring a job is a few array writes, the job's record dies
 * young, and the garbage collector has its id (and result) to trace, not
 * a record. A job with rarely used parts (`more`: an error, a log, a flow)
 * keeps its record in the row as well; the others are made again from
 * their row when someone asks for them by id.
 *
 * Rows have positions that only grow (never reused), so a holder of a
 * finished job's record (`Job.result()`'s hint) can tell whether its row
 * still stands. Ids are indexed on first lookup, as in JobIndex.
 *
 * Entry states: kept ──evicted (cap, TTL) / run again / purged──▶ dead.
 */
export class FinishedJobs {
  readonly #max: number;
  readonly #drop: DropFinished;
  #numbers = new Float64Array(0);
  #refs: unknown[] = [];
  #capacity = 0;
  /** Positions of the oldest row and one past the newest. */
  #head = 0;
  #tail = 0;
  /** Rows that are not dead. */
  #count = 0;
  /** Ids to positions, filled up to `#indexedTo` on the first lookup. */
  #byId: Map<string, number> | undefined;
  #indexedTo = 0;

  /** `drop` is told of each job that leaves for good (evicted or purged; not of those run again). */
  constructor(max: number, drop: DropFinished) {
    this.#max = max;
    this.#drop = drop;
  }

  /** How many finished jobs are kept. */
  get size(): number {
    return this.#count;
  }

  /** Keeps a job that just finished; drops the oldest past the cap. The job's record is not needed again. */
  add(job: MemoryJob): void {
    if (this.#count >= this.#max) this.#evict(this.#max - 1, -Infinity);
    if (this.#tail - this.#head === this.#capacity) this.#grow();
    const position = this.#tail++;
    const slot = position % this.#capacity;
    const n = slot * NUMBERS;
    const numbers = this.#numbers;
    numbers[n + SEQ] = job.seq;
    numbers[n + PRIORITY] = job.priority;
    numbers[n + ATTEMPT] = job.attempt;
    numbers[n + CREATED] = job.createdMs;
    numbers[n + RUN] = job.runMs;
    numbers[n + STARTED] = job.startedMs ?? NaN;
    numbers[n + FINISHED] = job.finishedMs!;
    numbers[n + STATE] = STATUS_CODE[job.status as keyof typeof STATUS_CODE] + (isLeased(job) ? LEASED : 0);
    const r = slot * REFS;
    const refs = this.#refs;
    refs[r + ID] = job.id;
    refs[r + KIND] = job.kind;
    refs[r + ARGS] = job.args;
    refs[r + RESULT] = job.result;
    refs[r + WORKER] = job.workerId;
    refs[r + OBJECT] = job.more === undefined ? undefined : job;
    job.bits = finishedBits(job.bits, IndexState.FINISHED, position);
    this.#count++;
  }

  /** True if this record is of a job kept here (not dropped, purged or run again since). */
  holds(job: MemoryJob): boolean {
    if (indexStateOf(job) !== IndexState.FINISHED) return false;
    const position = finishedPosition(job);
    if (position < this.#head || position >= this.#tail) return false;
    const n = (position % this.#capacity) * NUMBERS;
    return this.#numbers[n + STATE] !== 0 && this.#numbers[n + SEQ] === job.seq;
  }

  /** The finished job of this id: its kept record, or one made again from its row. */
  get(id: string): MemoryJob | undefined {
    const position = this.#index().get(id);
    return position === undefined ? undefined : this.#job(position);
  }

  /** Takes a kept job out (it runs again): its row goes dead, its record (`job`, from `get`) is no longer held. */
  take(job: MemoryJob): void {
    if (!this.holds(job)) return;
    this.#kill(finishedPosition(job), job.id);
    this.#tidy();
  }

  /** Drops jobs past the cap, and those finished before `before` (epoch ms). */
  evict(before: number): void {
    this.#evict(this.#max, before);
  }

  /**
   * The kept jobs that `match` (given each row's status, kind, sequence
   * number and finish time, without making the job), newest (highest
   * sequence number) first: the first `limit` made as jobs, and whether
   * more matched.
   */
  page(match: RowMatch, limit: number): { jobs: MemoryJob[]; more: boolean } {
    const positions: number[] = [];
    this.#scan(match, (position) => positions.push(position));
    const seqOf = (position: number): number => this.#numbers[(position % this.#capacity) * NUMBERS + SEQ]!;
    positions.sort((a, b) => seqOf(b) - seqOf(a));
    const jobs = positions.slice(0, limit).map((position) => this.#job(position));
    return { jobs, more: positions.length > limit };
  }

  /** Forgets the kept jobs that `match` for good (each told to `drop`); how many. */
  purge(match: RowMatch): number {
    let n = 0;
    this.#scan(match, (position) => {
      const slot = position % this.#capacity;
      const r = slot * REFS;
      const id = this.#refs[r + ID] as string;
      const kind = this.#refs[r + KIND] as JobKind;
      const state = this.#numbers[slot * NUMBERS + STATE]!;
      this.#kill(position, id);
      this.#drop(id, kind, STATUS_OF[state & 3]!);
      n++;
    });
    this.#tidy();
    return n;
  }

  #scan(match: RowMatch, found: (position: number) => void): void {
    for (let position = this.#head; position < this.#tail; position++) {
      const slot = position % this.#capacity;
      const n = slot * NUMBERS;
      const state = this.#numbers[n + STATE]!;
      if (state === 0) continue;
      const kind = this.#refs[slot * REFS + KIND] as JobKind;
      if (match(STATUS_OF[state & 3]!, kind, this.#numbers[n + SEQ]!, epochMs(this.#numbers[n + FINISHED]!)))
        found(position);
    }
  }

  /** A row goes dead: unindexed, its references let go. */
  #kill(position: number, id: string): void {
    const slot = position % this.#capacity;
    this.#numbers[slot * NUMBERS + STATE] = 0;
    this.#unindex(position, id);
    this.#refs.fill(undefined, slot * REFS, slot * REFS + REFS);
    this.#count--;
  }

  /** Dead rows leave from the head at once; past that, the rows are compacted when dead ones outnumber the kept. */
  #tidy(): void {
    this.#evict(Infinity, -Infinity);
    if (this.#tail - this.#head - this.#count > Math.max(this.#count, MIN_CAPACITY)) this.#compact();
  }

  /** Drops rows from the head while more than `limit` are kept or the oldest finished before `before`. */
  #evict(limit: number, before: number): void {
    while (this.#head < this.#tail) {
      const position = this.#head;
      const slot = position % this.#capacity;
      const n = slot * NUMBERS;
      const state = this.#numbers[n + STATE]!;
      if (state !== 0 && this.#count <= limit && epochMs(this.#numbers[n + FINISHED]!) >= before) return;
      this.#head++;
      if (state === 0) continue;
      const id = this.#refs[slot * REFS + ID] as string;
      const kind = this.#refs[slot * REFS + KIND] as JobKind;
      this.#kill(position, id);
      this.#drop(id, kind, STATUS_OF[state & 3]!);
    }
  }

  /** The job at a position: its kept record, or one made from the row (the same fields, no `more`). */
  #job(position: number): MemoryJob {
    const slot = position % this.#capacity;
    const r = slot * REFS;
    const kept = this.#refs[r + OBJECT] as MemoryJob | undefined;
    if (kept !== undefined) return kept;
    const n = slot * NUMBERS;
    const numbers = this.#numbers;
    const state = numbers[n + STATE]!;
    const started = numbers[n + STARTED]!;
    return restoreJob({
      id: this.#refs[r + ID] as string,
      kind: this.#refs[r + KIND] as JobKind,
      args: this.#refs[r + ARGS] as unknown[],
      priority: numbers[n + PRIORITY]!,
      seq: numbers[n + SEQ]!,
      status: STATUS_OF[state & 3]!,
      attempt: numbers[n + ATTEMPT]!,
      workerId: this.#refs[r + WORKER] as string | undefined,
      createdMs: numbers[n + CREATED]!,
      runMs: numbers[n + RUN]!,
      startedMs: Number.isNaN(started) ? undefined : started,
      finishedMs: numbers[n + FINISHED]!,
      result: this.#refs[r + RESULT],
      bits: finishedBits(state & LEASED, IndexState.FINISHED, position),
    });
  }

  /** The id index, brought up to date. */
  #index(): Map<string, number> {
    const byId = (this.#byId ??= new Map());
    for (let position = Math.max(this.#indexedTo, this.#head); position < this.#tail; position++) {
      const slot = position % this.#capacity;
      if (this.#numbers[slot * NUMBERS + STATE] !== 0) byId.set(this.#refs[slot * REFS + ID] as string, position);
    }
    this.#indexedTo = this.#tail;
    return byId;
  }

  #unindex(position: number, id: string): void {
    if (position < this.#indexedTo && this.#byId?.get(id) === position) this.#byId.delete(id);
  }

  /** More rows: twice as many (up to the cap, then past it only while dead rows wait). */
  #grow(): void {
    const doubled = Math.max(MIN_CAPACITY, this.#capacity * 2);
    this.#resize(this.#capacity < this.#max && doubled > this.#max ? this.#max : doubled, this.#head);
  }

  /** Rows of dead entries outnumber the kept ones: copy the kept ones to new positions. */
  #compact(): void {
    this.#resize(this.#capacity, this.#tail);
  }

  /**
   * Copies the rows into arrays of `capacity` rows. With `from` at the tail,
   * the kept rows move to new positions (the old ones read as gone) and
   * dead rows are left behind; with `from` at the head, positions stay.
   */
  #resize(capacity: number, from: number): void {
    const numbers = new Float64Array(capacity * NUMBERS);
    const refs: unknown[] = [];
    // Filled by push: `new Array(n)` of this size would be a slow dictionary array.
    for (let i = capacity * REFS; i > 0; i--) refs.push(undefined);
    let to = from;
    for (let position = this.#head; position < this.#tail; position++) {
      const slot = position % this.#capacity;
      const n = slot * NUMBERS;
      if (from !== this.#head && this.#numbers[n + STATE] === 0) continue;
      const target = to++;
      const newSlot = target % capacity;
      numbers.set(this.#numbers.subarray(n, n + NUMBERS), newSlot * NUMBERS);
      for (let k = 0; k < REFS; k++) refs[newSlot * REFS + k] = this.#refs[slot * REFS + k];
      const kept = refs[newSlot * REFS + OBJECT] as MemoryJob | undefined;
      if (kept !== undefined) kept.bits = finishedBits(kept.bits, IndexState.FINISHED, target);
    }
    this.#numbers = numbers;
    this.#refs = refs;
    this.#capacity = capacity;
    if (from !== this.#head) {
      this.#head = from;
      this.#byId = undefined;
      this.#indexedTo = 0;
    }
    this.#tail = to;
  }
}
