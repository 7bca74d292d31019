import type { NumberedReport } from './report-log.js';

interface Entry {
  /** When the job was queued (broker clock), once the enqueue answered. */
  queuedAt: number | undefined;
  /** When the entry was made (this process's clock). */
  since: number;
  /** Reports seen on the event channel since, in order. */
  reports: NumberedReport[];
  /** Highest report number up to which every report has been seen (no gaps). */
  seenN: number;
  /** Highest report number this process itself caused (its echo may still be on the way). */
  causedN: number;
  /** Watches waiting for the echo of this process's own changes. */
  waiting: (() => void)[];
}

/** How long a watch waits for the echo of this process's own change before it reads Redis instead (ms). */
const ECHO_WAIT_MS = 250;

/** Jobs remembered at once; the oldest are forgotten first. */
const CAPACITY = 4096;

/**
 * Jobs this process has just enqueued one at a time, marked watched from the
 * start (their reports are published from the first one), so a `watch()`
 * right after `call()` — `job.result()` — needs no round trip: the history
 * is the `queued` report plus what the event channel brought since.
 *
 * Trusted only while the subscription has been up the whole time: a
 * resubscribe forgets everything (the broker then reads histories from
 * Redis), and entries older than `maxAgeMs` are not used. Bounded: at most
 * {@link CAPACITY} entries, oldest dropped first.
 */
export class RecentJobs {
  readonly #entries = new Map<string, Entry>();
  readonly #maxAgeMs: number;

  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs;
  }

  /** Starts remembering a job (before its enqueue is sent). */
  add(id: string): void {
    if (this.#entries.size >= CAPACITY) this.drop(this.#entries.keys().next().value!);
    this.#entries.set(id, { queuedAt: undefined, since: Date.now(), reports: [], seenN: 1, causedN: 1, waiting: [] });
  }

  /** The enqueue answered: the job exists, queued at `at`. */
  queued(id: string, at: number): void {
    const entry = this.#entries.get(id);
    if (entry) entry.queuedAt = at;
  }

  /** Forgets a job (its enqueue failed or returned another job). */
  drop(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    for (const wake of entry.waiting.splice(0)) wake();
  }

  /** This process recorded report `n` of a job (lease, outcome, progress…): a watch here must see it. */
  caused(id: string, n: number): void {
    const entry = this.#entries.get(id);
    if (entry && n > entry.causedN) entry.causedN = n;
  }

  /** A report from the event channel; a new `queued` report (a re-run) starts the history over. */
  record(id: string, report: NumberedReport): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (report.n === 1) {
      entry.reports = [];
      entry.queuedAt = report.report.at;
      entry.seenN = 1;
      entry.causedN = 1;
    } else {
      // Reports recorded by this process come twice: at once, and as the channel's echo.
      if (entry.reports.some((r) => r.n === report.n)) return;
      entry.reports.push(report);
      entry.reports.sort((a, b) => a.n - b.n);
      // A local report may come before the echo of an earlier one (on a
      // cluster the echo crosses the bus): only a gap-free run counts as seen.
      for (const r of entry.reports) if (r.n === entry.seenN + 1) entry.seenN = r.n;
    }
    if (entry.seenN >= entry.causedN) for (const wake of entry.waiting.splice(0)) wake();
  }

  /**
   * The job's history, if it can be trusted; undefined means: ask Redis. When
   * this process changed the job and the echo is still on its way, waits for
   * it (up to {@link ECHO_WAIT_MS}): a watch never misses what its own process did.
   */
  async history(id: string): Promise<NumberedReport[] | undefined> {
    let entry = this.#entries.get(id);
    if (!entry || entry.queuedAt === undefined) return undefined;
    if (Date.now() - entry.since > this.#maxAgeMs) {
      this.drop(id);
      return undefined;
    }
    if (entry.seenN < entry.causedN) {
      const current = entry;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ECHO_WAIT_MS);
        current.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      entry = this.#entries.get(id);
      if (!entry || entry.queuedAt === undefined || entry.seenN < entry.causedN) return undefined;
    }
    // A report beyond a gap: the missing one is still on its way; Redis has them all.
    if ((entry.reports.at(-1)?.n ?? 1) > entry.seenN) return undefined;
    const queued: NumberedReport = { n: 1, report: { jobId: id, status: 'queued', attempt: 0, at: entry.queuedAt } };
    return [queued, ...entry.reports];
  }

  /** The subscription was interrupted: nothing remembered can be trusted. */
  clear(): void {
    for (const id of [...this.#entries.keys()]) this.drop(id);
  }
}
