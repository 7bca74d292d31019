import type { Codec } from '../../core/codec.js';
import type { BrokerReport, Report } from '../../core/report.js';
import type { ReportWatch } from '../contract.js';
import type { Note, ReportRecord, ResultBackend, Stored } from './backend.js';

interface Watcher {
  readonly jobId: string;
  readonly listener: (report: Report) => void;
  /** Number of the last report delivered; -1 while the history is being read. */
  lastN: number;
  /** A live report came while the history was being read. */
  missed: boolean;
  catchingUp: boolean;
}

/** A note with the raw value it carries (a result or progress), for listeners. */
export interface LiveNote extends Note {
  raw?: unknown;
}

/**
 * Reports for `onReport` listeners and `watch` watchers. Reports recorded
 * through this broker reach them at once; those recorded by other processes
 * are found by {@link ReportHub.poll} (every `pollInterval`).
 * A watcher never misses or repeats a report: it remembers the number of the
 * last one it got and reads any gap from the backend.
 */
export class ReportHub {
  readonly #backend: ResultBackend;
  readonly #codec: Codec;
  readonly #listeners = new Set<(report: BrokerReport) => void>();
  readonly #watchers = new Map<string, Set<Watcher>>();

  constructor(backend: ResultBackend, codec: Codec) {
    this.#backend = backend;
    this.#codec = codec;
  }

  onReport(listener: (report: BrokerReport) => void): () => void {
    const wrapped = (r: BrokerReport): void => listener(r);
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  /**
   * Publishes reports just committed by this process. `raw` is the value of
   * every `succeeded` or `progress` note that carries none of its own (the
   * result or progress of the call that recorded them).
   */
  publish(notes: readonly LiveNote[], raw?: unknown): void {
    // Nobody here listens (no app bridges reports, no watcher): nothing to build.
    if (this.#listeners.size === 0 && this.#watchers.size === 0) return;
    for (let i = 0; i < notes.length; i++) {
      const note = notes[i]!;
      const value = note.raw === undefined ? raw : note.raw;
      if (this.#listeners.size > 0) {
        const full = toBrokerReport(note, value);
        for (const listener of this.#listeners) safely(() => listener(full));
      }
      const watchers = this.#watchers.get(note.id);
      if (watchers) {
        const report = toReport(note, value);
        for (const w of watchers) this.#offer(w, note.n, report);
      }
    }
  }

  /** History plus a live feed; undefined when the job is unknown. */
  async watch(jobId: string, listener: (report: Report) => void): Promise<ReportWatch | undefined> {
    const watcher: Watcher = { jobId, listener, lastN: -1, missed: false, catchingUp: false };
    let set = this.#watchers.get(jobId);
    if (!set) this.#watchers.set(jobId, (set = new Set()));
    set.add(watcher);
    const stop = (): void => {
      const current = this.#watchers.get(jobId);
      if (!current?.delete(watcher)) return;
      if (current.size === 0) this.#watchers.delete(jobId);
    };
    let records: ReportRecord[];
    try {
      records = await this.#backend.history(jobId, 0);
    } catch (error) {
      stop();
      throw error;
    }
    if (records.length === 0) {
      stop();
      return undefined;
    }
    watcher.lastN = records.at(-1)!.n;
    if (watcher.missed) void this.#catchUp(watcher);
    return { history: records.map((r) => this.#fromRecord(jobId, r)), stop };
  }

  /** Catches watchers up with reports recorded by other processes. */
  async poll(): Promise<void> {
    if (this.#watchers.size === 0) return;
    const numbers = await this.#backend.reportNumbers([...this.#watchers.keys()].slice(0, 1000));
    for (const [id, rn] of numbers) {
      for (const w of this.#watchers.get(id) ?? []) if (w.lastN >= 0 && rn > w.lastN) void this.#catchUp(w);
    }
  }

  #offer(w: Watcher, n: number, report: Report): void {
    if (w.lastN < 0) {
      w.missed = true;
    } else if (n === w.lastN + 1 && !w.catchingUp) {
      w.lastN = n;
      safely(() => w.listener(report));
    } else if (n > w.lastN) {
      void this.#catchUp(w);
    }
  }

  async #catchUp(w: Watcher): Promise<void> {
    if (w.catchingUp) return;
    w.catchingUp = true;
    try {
      for (const record of await this.#backend.history(w.jobId, w.lastN)) {
        if (record.n <= w.lastN) continue;
        w.lastN = record.n;
        safely(() => w.listener(this.#fromRecord(w.jobId, record)));
      }
    } catch {
      // the next poll tries again
    } finally {
      w.catchingUp = false;
    }
  }

  #fromRecord(jobId: string, r: ReportRecord): Report {
    const report: Report = { jobId, status: r.status, attempt: r.attempt, at: r.at };
    if (r.status === 'progress') report.progress = decode(this.#codec, r.progress);
    if (r.status === 'succeeded') report.result = decode(this.#codec, r.result);
    if (r.error) report.error = r.error;
    return report;
  }
}

/**
 * A note as a listener's report. Built field by field, always in one order
 * (no spread): every report of a status has one shape, so the listeners'
 * property reads stay monomorphic. A spread of notes of several shapes cost
 * about 5 % of a worker's CPU in bench/amqp.ts.
 */
function toBrokerReport(note: Note, raw: unknown): BrokerReport {
  const report: BrokerReport = {
    jobId: note.id,
    status: note.status,
    attempt: note.attempt,
    at: note.at,
    task: note.task,
    queue: note.queue,
  };
  return withOutcome(report, note, raw);
}

/** A note as a watcher's report (no task or queue). */
function toReport(note: Note, raw: unknown): Report {
  return withOutcome({ jobId: note.id, status: note.status, attempt: note.attempt, at: note.at }, note, raw);
}

/** Adds what the note's status carries: its progress or result (`raw`), its error. */
function withOutcome<R extends Report>(report: R, note: Note, raw: unknown): R {
  if (note.status === 'progress') report.progress = raw;
  else if (note.status === 'succeeded') report.result = raw;
  if (note.error) report.error = note.error;
  return report;
}

/** Encodes a value with the codec; `undefined` is stored as null. */
export function encode(codec: Codec, value: unknown): Stored {
  if (value === undefined) return null;
  const data = codec.encode(value) as string | Uint8Array | undefined;
  if (data === undefined) return null;
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Decodes a stored value; null is `undefined`. */
export function decode(codec: Codec, data: Stored): unknown {
  return data === null ? undefined : codec.decode(data);
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    process.emitWarning(
      `drover amqp broker: a report listener threw: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
