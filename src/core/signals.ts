/**
 * The errors a handler throws to steer its job (gofherd's three outcomes):
 * return a value for success, throw {@link Retry} to try again, throw
 * {@link Fail} to fail for good.
 */

import { InvalidArgumentError } from './errors.js';

const RETRY = Symbol.for('drover.Retry');
const FAIL = Symbol.for('drover.Fail');

/** Brand check that works across copies of drover in one process. */
function branded(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Options of {@link Retry}. */
export interface RetryOptions {
  /** Wait this long before the next attempt instead of the job's backoff. */
  delay?: number;
}

/** Thrown by a handler: retry the job (counts against `retries`). */
export class Retry extends Error {
  /** Delay before the next attempt, overriding the backoff. */
  readonly delay: number | undefined;
  readonly [RETRY] = true;
  constructor(reason = 'retry requested', options: RetryOptions = {}) {
    super(reason);
    this.name = 'Retry';
    this.delay = options.delay;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, RETRY);
  }
}

/** Thrown by a handler: fail the job now, with no further retries. */
export class Fail extends Error {
  readonly [FAIL] = true;
  constructor(reason = 'failed') {
    super(reason);
    this.name = 'Fail';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, FAIL);
  }
}

const RATE_LIMITED = Symbol.for('drover.RateLimited');

/**
 * Thrown by a handler whose upstream is limiting it (an HTTP 429): the job
 * goes back to `queued` without counting an attempt, and its queue leases
 * nothing for `ms` on every worker that shares the broker (BullMQ's
 * `worker.rateLimit`). On a broker without flow control the job is retried
 * after `ms` instead, which counts an attempt.
 *
 * @example
 * if (res.status === 429) throw new RateLimited(Number(res.headers.get('retry-after')) * 1000);
 */
export class RateLimited extends Error {
  /** How long the queue stops leasing (ms). */
  readonly ms: number;
  readonly [RATE_LIMITED] = true;
  constructor(ms: number, reason = `rate limited for ${ms} ms`) {
    super(reason);
    if (!Number.isFinite(ms) || ms < 0)
      throw new InvalidArgumentError(`Expected \`ms\` of RateLimited to be a non-negative number, got ${String(ms)}`);
    this.name = 'RateLimited';
    this.ms = Math.ceil(ms);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, RATE_LIMITED);
  }
}
