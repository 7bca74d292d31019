import { LeaseExpiredError } from '../../core/errors.js';

/** What one sweep did (from `sweep.lua`). */
export interface SweepResult {
  now: number;
  promoted: number;
  expired: number;
  pruned: number;
  /** Run time of the next delayed job, or -1. */
  nextDue: number;
  /** Expired leases: id, task, queue, status, attempt, error JSON. */
  reports: { id: string; task: string; queue: string; status: 'retrying' | 'failed'; attempt: number; error: string }[];
}

/** Jobs one sweep touches per kind of work; more waits for the next sweep (which comes at once). */
export const SWEEP_LIMIT = 1000;

/** LeaseExpiredError's message around the job id, so the script writes the same text. */
export const EXPIRED_MESSAGE = new LeaseExpiredError('\u0000').message.split('\u0000') as [string, string];

/** Parses the reply of `sweep.lua`. */
export function parseSweep(reply: unknown[]): SweepResult {
  const reports: SweepResult['reports'] = [];
  for (let i = 5; i + 5 < reply.length + 1; i += 6) {
    reports.push({
      id: String(reply[i]),
      task: String(reply[i + 1]),
      queue: String(reply[i + 2]),
      status: reply[i + 3] === 'failed' ? 'failed' : 'retrying',
      attempt: Number(reply[i + 4]),
      error: String(reply[i + 5]),
    });
  }
  return {
    now: Number(reply[0]),
    promoted: Number(reply[1]),
    expired: Number(reply[2]),
    pruned: Number(reply[3]),
    nextDue: Number(reply[4]),
    reports,
  };
}

/**
 * Sweeps every `interval` ms (timer unref'd), sooner when a delayed job is
 * due before then, and again at once when a sweep hit its limit. Every live
 * process sweeps; the script is atomic, so two sweeps never do the same work
 * twice and no process is special. Returns a function that stops it.
 */
export function startSweeper(
  sweep: () => Promise<SweepResult>,
  interval: number,
  onError: (error: unknown) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(run, Math.max(1, ms)).unref();
  };
  const run = (): void => {
    sweep().then(
      (result) => {
        const more = result.promoted === SWEEP_LIMIT || result.expired === SWEEP_LIMIT || result.pruned === SWEEP_LIMIT;
        const untilDue = result.nextDue === -1 ? interval : result.nextDue - result.now;
        schedule(more ? 0 : Math.min(interval, untilDue));
      },
      (error: unknown) => {
        onError(error);
        schedule(interval);
      },
    );
  };
  schedule(interval);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
