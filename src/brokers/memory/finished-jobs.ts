import type { JobStatus } from '../../core/report.js';
import type { JobKind, MemoryJob } from './memory-job.js';
import {
  IndexState,
  epochMs,
  finishedBits,
  finishedPosition,
  indexStateOf,
  isLeased,
  restoreJob,
} from './memory-job.js';

/** The numbers kept per finished job: one row of a Float64Array. */
const SEQ = 0;
const PRIORITY = 1;
const ATTEMPT = 2;
const CREATED = 3;
const RUN = 4;
const STARTED = 5; // NaN: never started
const FINISHED = 6;
const STATE = 7; // STATUS_CODE of the status, + LEASED; 0: a dead row (run again, purged or dropped)
const NUMBERS = 8;
/** The references kept per finished job: one row of an array. */
const ID = 0;
const KIND = 1;
const ARGS = 2;
const RESULT = 3;
const WORKER = 4;
const OBJECT = 5; // the job's record when it has `more` (an error, a log, a flow…), else undefined
const REFS = 6;

const STATUS_OF: readonly JobStatus[] = ['queued', 'succeeded', 'failed', 'cancelled'];
const LEASED = 4;
/**
 * Rows per chunk. Its references (24,576 slots, 196 KB) make a large
 * object, which V8 promotes by moving its page, not by copying it twice as
 * it would a smaller array that survives (measured: 16 MB less copied by
 * scavenges per 600,000 jobs than with 1,024 rows).
 */
const CHUNK = 4096;

/** Rows [c × CHUNK, (c + 1) × CHUNK): numbers outside the JS heap, references in it. */
interface Chunk {
  readonly numbers: Float64Array;
  readonly refs: unknown[];
}

/** Which rows a scan picks: by status, kind, sequence number and finish time (epoch ms). */
export type RowMatch = (status: JobStatus, kind: JobKind, seq: number, finishedAt: number) => boolean;

/** What a finished job that leaves for good takes with it (its queue's counts, its watchers). */
export type DropFinished = (id: string, kind: JobKind, status: JobStatus) => void;

/**
 * The finished jobs kept for `result()`, `getJob()` and listings: at most
 * `max`, each for at most the result TTL, oldest dropped first. Columnar:
 * each finished job is a row of eight numbers in a Float64Array (outside
 * the JS heap) and six references in an array, in chunks of CHUNK rows —
 * not an object of its own. Retiring a job is a few array writes, its
 * record dies young, and the garbage collector has its id (and result) to
 * trace, not a record. A job with rarely used parts (`more`: an error, a
 * log, a flow) keeps its record in the row as well; the others are made
 * again from their row when someone asks for them by id.
 *
 * Rows have positions that only grow (never reused), so a holder of a
 * finished job's record (`Job.result()`'s hint) can tell whether its row
 * still stands. Ids are indexed on the first lookup, as in JobIndex.
 *
 * Row states: kept ──evicted (cap, TTL) / purged / run again──▶ dead.
 */
export class FinishedJobs {
  readonly #max: number;
  readonly #drop: DropFinished;
  /** Chunks from the one holding `#head` on; the first is chunk number `#firstChunk`. */
  #chunks: Chunk[] = [];
  #firstChunk = 0;
  #spare: Chunk | undefined;
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
    const position = this.#tail++;
    const row = position % CHUNK;
    if (row === 0) this.#chunks.push(this.#newChunk());
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    const n = row * NUMBERS;
    const numbers = chunk.numbers;
    numbers[n + SEQ] = job.seq;
    numbers[n + PRIORITY] = job.priority;
    numbers[n + ATTEMPT] = job.attempt;
    numbers[n + CREATED] = job.createdMs;
    numbers[n + RUN] = job.runMs;
    numbers[n + STARTED] = job.startedMs ?? NaN;
    numbers[n + FINISHED] = job.finishedMs!;
    numbers[n + STATE] = statusCode(job.status) + (isLeased(job) ? LEASED : 0);
    const r = row * REFS;
    const refs = chunk.refs;
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
    const n = (position % CHUNK) * NUMBERS;
    const numbers = this.#chunk(position).numbers;
    return numbers[n + STATE] !== 0 && numbers[n + SEQ] === job.seq;
  }

  /** The finished job of this id: its kept record, or one made again from its row. */
  get(id: string): MemoryJob | undefined {
    const position = this.#index().get(id);
    return position === undefined ? undefined : this.#job(position);
  }

  /** Takes a kept job out (it runs again): its row goes dead, its record (`job`, from `get`) is no longer held. */
  take(job: MemoryJob): void {
    if (!this.holds(job)) return;
    this.#kill(finishedPosition(job), false);
    this.#tidy();
  }

  /** Drops jobs past the cap, and those finished before `before` (epoch ms). */
  evict(before: number): void {
    this.#evict(this.#max, before);
  }

  /**
   * The kept jobs that `match` (given each row's fields, without making the
   * job), newest (highest sequence number) first: the first `limit` made as
   * jobs, and whether more matched.
   */
  page(match: RowMatch, limit: number): { jobs: MemoryJob[]; more: boolean } {
    const positions: number[] = [];
    this.#scan(match, (position) => positions.push(position));
    const seqOf = (position: number): number => this.#chunk(position).numbers[(position % CHUNK) * NUMBERS + SEQ]!;
    positions.sort((a, b) => seqOf(b) - seqOf(a));
    const jobs = positions.slice(0, limit).map((position) => this.#job(position));
    return { jobs, more: positions.length > limit };
  }

  /** Forgets the kept jobs that `match` for good (each told to `drop`); how many. */
  purge(match: RowMatch): number {
    let n = 0;
    this.#scan(match, (position) => {
      this.#kill(position, true);
      n++;
    });
    this.#tidy();
    return n;
  }

  #scan(match: RowMatch, found: (position: number) => void): void {
    for (let position = this.#head; position < this.#tail; position++) {
      const chunk = this.#chunk(position);
      const n = (position % CHUNK) * NUMBERS;
      const state = chunk.numbers[n + STATE]!;
      if (state === 0) continue;
      const kind = chunk.refs[(position % CHUNK) * REFS + KIND] as JobKind;
      if (match(STATUS_OF[state & 3]!, kind, chunk.numbers[n + SEQ]!, epochMs(chunk.numbers[n + FINISHED]!)))
        found(position);
    }
  }

  /** Drops rows from the head while more than `limit` are kept or the oldest finished before `before`. */
  #evict(limit: number, before: number): void {
    while (this.#head < this.#tail) {
      const position = this.#head;
      const numbers = this.#chunks[0]!.numbers;
      const n = (position % CHUNK) * NUMBERS;
      const state = numbers[n + STATE]!;
      if (state !== 0 && this.#count <= limit && epochMs(numbers[n + FINISHED]!) >= before) return;
      if (state !== 0) this.#kill(position, true);
      if (++this.#head === this.#tail) {
        // Empty: the next row starts a fresh chunk; this one is the spare.
        this.#spare = this.#chunks[0];
        this.#restart(this.#tail);
      } else if (this.#head % CHUNK === 0) {
        this.#spare = this.#chunks.shift();
        this.#firstChunk++;
      }
    }
  }

  /** A row goes dead: unindexed, its references let go; `drop` told if the job leaves for good (`gone`). */
  #kill(position: number, gone: boolean): void {
    const chunk = this.#chunk(position);
    const n = (position % CHUNK) * NUMBERS;
    const r = (position % CHUNK) * REFS;
    const id = chunk.refs[r + ID] as string;
    const kind = chunk.refs[r + KIND] as JobKind;
    const status = STATUS_OF[chunk.numbers[n + STATE]! & 3]!;
    chunk.numbers[n + STATE] = 0;
    if (position < this.#indexedTo && this.#byId?.get(id) === position) this.#byId.delete(id);
    clearRow(chunk.refs, r);
    this.#count--;
    if (gone) this.#drop(id, kind, status);
  }

  /** Dead rows leave from the head at once; past that, kept rows are compacted when dead ones outnumber them. */
  #tidy(): void {
    this.#evict(Infinity, -Infinity);
    if (this.#tail - this.#head - this.#count > Math.max(this.#count, CHUNK)) this.#compact();
  }

  /** The job at a position: its kept record, or one made from the row (the same fields, no `more`). */
  #job(position: number): MemoryJob {
    const chunk = this.#chunk(position);
    const r = (position % CHUNK) * REFS;
    const kept = chunk.refs[r + OBJECT] as MemoryJob | undefined;
    if (kept !== undefined) return kept;
    const n = (position % CHUNK) * NUMBERS;
    const numbers = chunk.numbers;
    const state = numbers[n + STATE]!;
    const started = numbers[n + STARTED]!;
    return restoreJob({
      id: chunk.refs[r + ID] as string,
      kind: chunk.refs[r + KIND] as JobKind,
      args: chunk.refs[r + ARGS] as unknown[],
      priority: numbers[n + PRIORITY]!,
      seq: numbers[n + SEQ]!,
      status: STATUS_OF[state & 3]!,
      attempt: numbers[n + ATTEMPT]!,
      workerId: chunk.refs[r + WORKER] as string | undefined,
      createdMs: numbers[n + CREATED]!,
      runMs: numbers[n + RUN]!,
      startedMs: Number.isNaN(started) ? undefined : started,
      finishedMs: numbers[n + FINISHED]!,
      result: chunk.refs[r + RESULT],
      bits: finishedBits(state & LEASED, IndexState.FINISHED, position),
    });
  }

  /** The id index, brought up to date. */
  #index(): Map<string, number> {
    const byId = (this.#byId ??= new Map<string, number>());
    for (let position = Math.max(this.#indexedTo, this.#head); position < this.#tail; position++) {
      const chunk = this.#chunk(position);
      if (chunk.numbers[(position % CHUNK) * NUMBERS + STATE] !== 0)
        byId.set(chunk.refs[(position % CHUNK) * REFS + ID] as string, position);
    }
    this.#indexedTo = this.#tail;
    return byId;
  }

  #chunk(position: number): Chunk {
    return this.#chunks[Math.floor(position / CHUNK) - this.#firstChunk]!;
  }

  #newChunk(): Chunk {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare ?? { numbers: new Float64Array(CHUNK * NUMBERS), refs: new Array<unknown>(CHUNK * REFS) };
  }

  /** Rows of dead jobs outnumber the kept ones: the kept ones move to new positions (old ones read as gone). */
  #compact(): void {
    const old = this.#chunks;
    const oldFirst = this.#firstChunk;
    const head = this.#head;
    const tail = this.#tail;
    this.#restart(tail);
    for (let position = head; position < tail; position++) {
      const chunk = old[Math.floor(position / CHUNK) - oldFirst]!;
      const n = (position % CHUNK) * NUMBERS;
      if (chunk.numbers[n + STATE] === 0) continue;
      const target = this.#tail++;
      if (target % CHUNK === 0) this.#chunks.push(this.#newChunk());
      const to = this.#chunks[this.#chunks.length - 1]!;
      to.numbers.set(chunk.numbers.subarray(n, n + NUMBERS), (target % CHUNK) * NUMBERS);
      const r = (position % CHUNK) * REFS;
      for (let k = 0; k < REFS; k++) to.refs[(target % CHUNK) * REFS + k] = chunk.refs[r + k];
      const kept = chunk.refs[r + OBJECT] as MemoryJob | undefined;
      if (kept !== undefined) kept.bits = finishedBits(kept.bits, IndexState.FINISHED, target);
    }
    this.#byId = undefined;
    this.#indexedTo = 0;
  }

  /** No rows: the next one starts a fresh chunk at the first chunk boundary from `position`. */
  #restart(position: number): void {
    const first = Math.ceil(position / CHUNK);
    this.#chunks = [];
    this.#firstChunk = first;
    this.#head = first * CHUNK;
    this.#tail = first * CHUNK;
  }
}

/** A terminal status's code in a row (its index in STATUS_OF). */
function statusCode(status: JobStatus): number {
  return status === 'succeeded' ? 1 : status === 'failed' ? 2 : 3;
}

/** Lets go of a row's references (stores, not `fill`: a builtin call costs more than six writes). */
function clearRow(refs: unknown[], r: number): void {
  refs[r + ID] = undefined;
  refs[r + KIND] = undefined;
  refs[r + ARGS] = undefined;
  refs[r + RESULT] = undefined;
  refs[r + WORKER] = undefined;
  refs[r + OBJECT] = undefined;
}
