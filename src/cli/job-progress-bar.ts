import { SingleBar } from 'cli-progress';
import type { Report } from '../core/report.js';

/**
 * Reads a progress value as a fraction in [0, 1], when it looks like one:
 * a number (≤ 1 is a fraction, otherwise a percentage), `{ percent }`, or
 * `{ done | current | completed, total }`. Anything else is shown as a
 * status only.
 */
export function progressFraction(value: unknown): number | undefined {
  const clamp = (n: number): number | undefined => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : undefined);
  if (typeof value === 'number') return clamp(value <= 1 ? value : value / 100);
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.percent === 'number') return clamp(v.percent / 100);
  const done = [v.done, v.current, v.completed].find((n): n is number => typeof n === 'number');
  if (done !== undefined && typeof v.total === 'number' && v.total > 0) return clamp(done / v.total);
  return undefined;
}

/**
 * A progress bar for one job on a terminal (stderr, so stdout keeps only
 * the result). It appears only if the job is still running after
 * `delayMs`, so quick jobs print nothing but their result.
 */
export class JobProgressBar {
  readonly #bar: SingleBar;
  readonly #timer: NodeJS.Timeout;
  #shown = false;
  #percent = 0;
  #status = 'queued';
  #stopped = false;

  constructor(jobId: string, delayMs = 300) {
    this.#bar = new SingleBar({
      stream: process.stderr,
      format: `${jobId} [{bar}] {percentage}% | {status}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
    });
    this.#timer = setTimeout(() => this.#show(), delayMs);
  }

  /** Moves the bar for a report of the job. */
  update(report: Report): void {
    this.#status = report.status === 'retrying' ? `retrying (attempt ${report.attempt} failed)` : report.status;
    if (report.status === 'progress') {
      const fraction = progressFraction(report.progress);
      this.#status =
        fraction === undefined ? `progress ${JSON.stringify(report.progress)?.slice(0, 40) ?? ''}` : 'active';
      if (fraction !== undefined) this.#percent = Math.round(fraction * 100);
    }
    if (report.status === 'succeeded') this.#percent = 100;
    if (this.#shown) this.#bar.update(this.#percent, { status: this.#status });
  }

  /** Removes the bar (idempotent). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#shown) this.#bar.stop();
  }

  #show(): void {
    if (this.#stopped) return;
    this.#shown = true;
    this.#bar.start(100, this.#percent, { status: this.#status });
  }
}
