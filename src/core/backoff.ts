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
 * Delay before the attempt after `attempt` (1-based) failed.
 * Full jitter ("AWS architecture blog" style): uniform in [0, capped].
 */
export function backoffDelay(backoff: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const base = backoff.type === 'fixed' ? backoff.delay : backoff.delay * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(backoff.max, base);
  return backoff.jitter === false ? capped : Math.floor(random() * capped);
}
