/** How long to wait between attempts. */
export interface BackoffOptions {
  /** `fixed`: always `delay`; `exponential`: `delay * 2^(attempt-1)`. @default 'exponential' */
  type: 'fixed' | 'exponential';
  /** Base delay in ms. @default 1000 */
  delay: number;
  /** Cap in ms. @default 60000 */
  max: number;
  /** Full jitter (a uniform pick in [0, computed]). @default true */
  jitter?: boolean | undefined;
}

/** The default backoff: exponential from 1 s, capped at 60 s, full jitter. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  type: 'exponential',
  delay: 1000,
  max: 60_000,
  jitter: true,
});

/**
 * How a wait is randomised so that many waiters do not retry in step:
 * `full` picks uniformly in [0, d] ("AWS architecture blog" style), `equal`
 * in [d/2, d] (never immediate, so a crash loop still backs off), `none` is d.
 */
export type Jitter = 'full' | 'equal' | 'none';

/**
 * The one backoff formula of drover: `initial · 2^(attempt−1)`, capped at
 * `max`, then jittered. `attempt` is 1-based (the first wait is `initial`).
 * Every retry, reconnect and throttle wait in the code base comes from here.
 */
export function doublingDelay(
  initial: number,
  max: number,
  attempt: number,
  jitter: Jitter = 'full',
  random: () => number = Math.random,
): number {
  // The exponent is capped: 2 ** 1024 is Infinity, and min() has capped it long before.
  const capped = Math.min(max, initial * 2 ** Math.min(Math.max(0, attempt - 1), 64));
  if (jitter === 'none') return capped;
  if (jitter === 'equal') return Math.round(capped / 2 + (random() * capped) / 2);
  return Math.floor(random() * capped);
}

/** Delay before the attempt after `attempt` (1-based) failed, per the job's {@link BackoffOptions}. */
export function backoffDelay(backoff: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const jitter = backoff.jitter === false ? 'none' : 'full';
  if (backoff.type === 'fixed') return doublingDelay(backoff.delay, backoff.max, 1, jitter, random);
  return doublingDelay(backoff.delay, backoff.max, attempt, jitter, random);
}
