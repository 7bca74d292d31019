/**
 * The errors a handler throws to steer its job (gofherd's three outcomes):
 * return a value for success, throw {@link Retry} to try again, throw
 * {@link Fail} to fail for good.
 */

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
