import { doublingDelay } from '../core/backoff.js';

/** Settings of a {@link RestartPolicy}, all in ms except `maxCrashes`. */
export interface RestartPolicyOptions {
  /** Wait after the first crash in a row. */
  readonly initial: number;
  /** Cap of the wait. */
  readonly max: number;
  /** Crashes older than this no longer count; a run this long resets the backoff. */
  readonly crashWindow: number;
  /** This many crashes within `crashWindow` and the service is given up. */
  readonly maxCrashes: number;
}

/** What to do after a crash. */
export interface RestartDecision {
  /** Run the service again (after `delayMs`), or give it up (`failed`). */
  readonly restart: boolean;
  /** Crashes within the window, this one included. */
  readonly crashes: number;
  /** Wait before the next run; 0 when giving up. */
  readonly delayMs: number;
}

/**
 * Decides, for one service, whether and when to restart after a crash
 * (docs/reliability.md S24). Waits double from `initial` to `max` with each crash
 * in a row — 1, 2, 4 … 60 s by default — each picked uniformly in [½·d, d]:
 * jittered so services that crash together do not restart in lock-step, yet
 * never immediate, so a crash loop always backs off. A run that lasted
 * `crashWindow` resets the doubling; `maxCrashes` crashes within
 * `crashWindow` give the service up.
 */
export class RestartPolicy {
  readonly #options: RestartPolicyOptions;
  readonly #random: () => number;
  readonly #recent: number[] = [];
  #streak = 0;

  constructor(options: RestartPolicyOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** Records a crash at `now` (ms, monotonic) of a run that lasted `uptimeMs`, and decides. */
  recordCrash(now: number, uptimeMs: number): RestartDecision {
    const { initial, max, crashWindow, maxCrashes } = this.#options;
    if (uptimeMs >= crashWindow) this.#streak = 0;
    this.#streak += 1;
    while (this.#recent.length > 0 && now - this.#recent[0]! >= crashWindow) this.#recent.shift();
    this.#recent.push(now);
    const crashes = this.#recent.length;
    if (crashes >= maxCrashes) return { restart: false, crashes, delayMs: 0 };
    return { restart: true, crashes, delayMs: doublingDelay(initial, max, this.#streak, 'equal', this.#random) };
  }
}
